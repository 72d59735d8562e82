// Chapter 14: the expected values (teacher only; see ../registry.ts).
import { registerHidden } from "../registry";

export const ids = registerHidden("14", {
  "14.1": { expected: 4 * (28 * 64 + 64 * 64 + 64) },
});
