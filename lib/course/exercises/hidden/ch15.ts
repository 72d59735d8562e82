// Chapter 15: the expected values (teacher only; see ../registry.ts).
import { registerHidden } from "../registry";

export const ids = registerHidden("15", {
  "15.1": { expected: 4 * 64 * 64 + 4 * 64 },
});
