// Chapter 5: the expected values (teacher only; see ../registry.ts).
import { registerHidden } from "../registry";

export const ids = registerHidden("5", { "5.2": { expected: (1 / 2500) * (5000 - 2500) / (5000 - 1), tolerance: 1e-3 } });  // σ²/B · (n − B)/(n − 1), over σ²
