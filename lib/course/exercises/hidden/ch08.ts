// Chapter 8: the expected values (teacher only; see ../registry.ts).
import { registerHidden } from "../registry";

export const ids = registerHidden("8", {
  "8.1": { expected: 2 * 64 * (784 * 256 + 256 * 10 + 256 * 10 + 10 * 256 + 784 * 256) },
  "8.2": { expected: 1 / (0.15 + 0.85 / 10), tolerance: 1e-3 },
});
