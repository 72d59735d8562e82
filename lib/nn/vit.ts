// The chapter's vision transformer for 28 × 28 digits (a small ViT, Dosovitskiy et al., 2020), pre-norm blocks:
//
//   X: N × 784
//   Patches 7×7                      → 16 tokens × 49 pixels
//   TokenDense 49 → D  (embedding),  Positions   → 16 × D
//   blocks × [ Residual(LayerNorm, MultiHeadAttention),  Residual(LayerNorm, TokenDense D → hidden, ReLU, TokenDense hidden → D) ]
//   LayerNorm,  MeanTokens           → D
//   Dense D → 10 logits
import type { DType } from "../core/matrix";
import { Random } from "../core/random";
import { Layer, Dense } from "./layers";
import { ReLU } from "./activations";
import { LayerNorm } from "./layernorm";
import { MultiHeadAttention } from "./attention";
import { TokenDense } from "./tokens";
import { Patches, Positions, MeanTokens } from "./patches";
import { Residual } from "./residual";
import { Sequential } from "./sequential";

export interface VitOptions {
  /** the side of a square patch; default 7 (16 patches of 49 pixels) */
  patch?: number;
  /** the width D of every token; default 64 */
  dim?: number;
  /** attention heads (D must be a multiple); default 4 */
  heads?: number;
  /** transformer blocks (each an attention block and an MLP block); default 2 */
  blocks?: number;
  /** the width of the MLP block's hidden layer; default 2·D */
  hidden?: number;
  /** one generator with this seed draws every layer's weights; default 0 */
  seed?: number;
  /** default "float32" */
  dtype?: DType;
}

/** The transformer above, for 28×28 images and 10 classes. */
export function mnistVit(options: VitOptions = {}): Sequential {
  const patch = options.patch ?? 7, dim = options.dim ?? 64, heads = options.heads ?? 4, blocks = options.blocks ?? 2;
  const hidden = options.hidden ?? 2 * dim;
  for (const [what, n] of [["patch", patch], ["dim", dim], ["heads", heads], ["blocks", blocks], ["hidden", hidden]] as const) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`mnistVit: ${what} must be a whole number ≥ 1, got ${n}`);
  }
  if (28 % patch !== 0) throw new Error(`mnistVit: patch must divide 28 (1, 2, 4, 7, 14 or 28), got ${patch}`);
  const rng = new Random(options.seed ?? 0);
  const dtype = options.dtype;
  const T = (28 / patch) ** 2;
  const layers: Layer[] = [
    new Patches({ height: 28, width: 28, patch }), //                                          → T × patch²
    new TokenDense({ tokens: T, inputs: patch * patch, outputs: dim, init: "xavier", rng, dtype }), // → T × D
    new Positions({ tokens: T, dim, rng, dtype }),
  ];
  for (let b = 0; b < blocks; b++) {
    layers.push(
      new Residual([new LayerNorm({ features: dim, dtype }), new MultiHeadAttention({ tokens: T, dim, heads, rng, dtype })]),
      new Residual([
        new LayerNorm({ features: dim, dtype }),
        new TokenDense({ tokens: T, inputs: dim, outputs: hidden, rng, dtype }),
        new ReLU(),
        new TokenDense({ tokens: T, inputs: hidden, outputs: dim, init: "xavier", rng, dtype }),
      ]),
    );
  }
  layers.push(new LayerNorm({ features: dim, dtype }), new MeanTokens({ tokens: T, dim }), new Dense(dim, 10, { init: "xavier", rng, dtype }));
  return new Sequential(layers);
}
