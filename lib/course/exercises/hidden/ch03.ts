// Chapter 3: the expected values (teacher only; see ../registry.ts).
import { registerHidden } from "../registry";

export const ids = registerHidden("3", {
  "3.1": { expected: (-Math.log(0.8) - Math.log(0.2)) / 2, tolerance: 1e-3 },
  "3.2": {
    expected: (() => {
      const e = [2, 1, 0.1].map(Math.exp), s = e[0] + e[1] + e[2];
      return [e[0] / s, e[1] / s - 1, e[2] / s];
    })(),
    tolerance: 2e-3,
  },
});
