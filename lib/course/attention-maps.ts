// Where a vision transformer looks: its attention weights turned into one map over the image per example.
//
// Attention rollout (Abnar & Zuidema, 2020): a block mixes the tokens by its attention A (averaged over the heads)
// and keeps them by its residual, so token i after the block is about ½·(A + I) of the tokens before it, rows
// renormalised. Multiplying these from the first block to the last, R = M_L·…·M_1, says how much of each input patch
// j reaches each final token i; the classifier averages the final tokens, so patch j's share is mean_i R[i, j].
import { Matrix } from "../core/matrix";
import type { Sequential } from "../nn/sequential";
import type { Layer } from "../nn/layers";
import { MultiHeadAttention } from "../nn/attention";
import { Residual } from "../nn/residual";

/** Every MultiHeadAttention of the network, inside Residual blocks or not, first to last. */
export function attentionLayers(net: { layers: Layer[] }): MultiHeadAttention[] {
  const found: MultiHeadAttention[] = [];
  const visit = (layers: Layer[]) => {
    for (const layer of layers) {
      if (layer instanceof MultiHeadAttention) found.push(layer);
      else if (layer instanceof Residual) visit(layer.layers);
    }
  };
  visit(net.layers);
  return found;
}

/** For each row of x: each input token's share of what the mean-pooled classifier sees (n × tokens, rows sum to 1). */
export function attentionRollout(net: Sequential, x: Matrix): Matrix {
  const layers = attentionLayers(net);
  if (layers.length === 0) throw new Error("attentionRollout: the network has no MultiHeadAttention layer");
  net.forward(x); // fills every attention layer's weights for these rows
  const T = layers[0].tokens, n = x.rows, out = Matrix.zeros(n, T, "float64");
  for (let b = 0; b < n; b++) {
    let R = identity(T);
    for (const mha of layers) {
      const A = mha.attention!.data, H = mha.heads, M = new Float64Array(T * T);
      for (let i = 0; i < T; i++) {
        for (let j = 0; j < T; j++) {
          let mean = 0; //                                               Ā = mean over heads of A_h
          for (let h = 0; h < H; h++) mean += A[((b * H + h) * T + i) * T + j] / H;
          M[i * T + j] = 0.5 * mean + (i === j ? 0.5 : 0); //            M = ½·(Ā + I)  (rows already sum to 1)
        }
      }
      R = product(M, R, T); //                                           R ← M·R
    }
    for (let j = 0; j < T; j++) {
      let s = 0;
      for (let i = 0; i < T; i++) s += R[i * T + j] / T; //              share of patch j = mean_i R[i, j]
      out.data[b * T + j] = s;
    }
  }
  return out;
}

/** Each row's token values (tokens = (side/patch)², reading order) spread over their patch's pixels: n × side². */
export function patchesToPixels(values: Matrix, patch: number, side = 28): Matrix {
  const g = side / patch;
  if (!Number.isInteger(g) || values.cols !== g * g) throw new Error(`patchesToPixels: ${values.cols} values do not tile a ${side}×${side} image in ${patch}×${patch} patches`);
  const out = Matrix.zeros(values.rows, side * side, "float64");
  for (let b = 0; b < values.rows; b++) {
    for (let r = 0; r < side; r++) {
      for (let c = 0; c < side; c++) out.data[b * side * side + r * side + c] = values.data[b * g * g + Math.floor(r / patch) * g + Math.floor(c / patch)];
    }
  }
  return out;
}

function identity(T: number): Float64Array {
  const I = new Float64Array(T * T);
  for (let i = 0; i < T; i++) I[i * T + i] = 1;
  return I;
}

function product(a: Float64Array, b: Float64Array, T: number): Float64Array {
  const c = new Float64Array(T * T);
  for (let i = 0; i < T; i++) for (let k = 0; k < T; k++) for (let j = 0; j < T; j++) c[i * T + j] += a[i * T + k] * b[k * T + j];
  return c;
}
