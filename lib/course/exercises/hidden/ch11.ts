// Chapter 11: the expected values (teacher only; see ../registry.ts).
import { registerHidden } from "../registry";

export const ids = registerHidden("11", {
  "11.1": { expected: 16 },
  "11.2": { expected: 32 * (3 * 3 * 3) + 32 },
});
