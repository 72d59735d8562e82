// Chapter 9: the expected values (teacher only; see ../registry.ts).
import { registerHidden } from "../registry";

export const ids = registerHidden("9", {
  "9.1": { expected: Math.sqrt(2 / 400), tolerance: 1e-3 },
  "9.3": { expected: Math.log(47), tolerance: 1e-3 },
});
