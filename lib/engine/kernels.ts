// The kernel interface: the loops that do the arithmetic of lib/core/ops.ts. Everything about speed lives behind
// this one interface, and this file holds nothing else: no implementation, no choice.
//   jsKernels   (lib/engine/kernels-js.ts)   the plain TypeScript loops: what a student reads, and the oracle;
//   WasmKernels (lib/engine/wasm/kernels.ts) WebAssembly SIMD, cache blocking, worker threads, its own memory.
// Which kernels run now is lib/engine/active.ts's business (lib/engine/backend.ts chooses at first use).
// Every method is required. A kernel takes any mix of float32 and float64 arrays and any placement (in its
// own memory or not) and gives the same numbers as the plain loops; how it manages that is its own business.
//
// Arrays are row-major: entry (i, j) of an r×c matrix is at [i·c + j]. Kernels OVERWRITE their output and
// do no shape checking (lib/core/ops.ts did it).

/** The numbers of a matrix, row-major. */
export type FloatArray = Float32Array | Float64Array;

export interface Kernels {
  readonly name: string;
  /** C[m×n] = A[m×k]·B[k×n]:  C[i,j] = Σ_p A[i,p]·B[p,j] */
  matmul(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number): void;
  /** C[m×n] = Aᵀ·B, A stored k×m, B k×n:  C[i,j] = Σ_p A[p,i]·B[p,j] */
  matmulTransA(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number): void;
  /** C[m×n] = A·Bᵀ, A m×k, B stored n×k:  C[i,j] = Σ_p A[i,p]·B[j,p] */
  matmulTransB(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number): void;
  /**
   * C[m×n] = A[m×k]·B[k×n] + b on each row:  C[i,j] = Σ_p A[i,p]·B[p,j] + b[j]  (a Dense layer's Z = X·W + b), the same
   * numbers as matmul then addRowVector; a kernel may add b to each block of C while it is in the cache.
   */
  matmulBias(a: FloatArray, b: FloatArray, bias: FloatArray, c: FloatArray, m: number, k: number, n: number): void;
  /** C = max(0, A·B + b): a Dense layer and the ReLU after it; the same numbers as matmulBias then relu */
  matmulBiasRelu(a: FloatArray, b: FloatArray, bias: FloatArray, c: FloatArray, m: number, k: number, n: number): void;
  /**
   * C[m×n] = (A·Bᵀ) ⊙ 1[M > 0], A m×k, B stored n×k, M m×n: the gradient back through a Dense layer and the ReLU before
   * it, dZ = (dY·Wᵀ) ⊙ 1[A > 0]; the same numbers as matmulTransB then reluBackward
   */
  matmulTransBMask(a: FloatArray, b: FloatArray, mask: FloatArray, c: FloatArray, m: number, k: number, n: number): void;
  /** Y[i,j] = X[i,j] + b[j], X and Y m×n (Y may be X) */
  addRowVector(x: FloatArray, b: FloatArray, y: FloatArray, m: number, n: number): void;
  /** s[j] = Σ_i X[i,j], X m×n, summed from row 0 down */
  sumRows(x: FloatArray, s: FloatArray, m: number, n: number): void;
  /** A = max(0, Z) over a.length numbers (A may be Z) */
  relu(z: FloatArray, a: FloatArray): void;
  /** D = G ⊙ 1[A > 0] over d.length numbers (0 where A ≤ 0; NaN in G stays NaN, as G·0 does) */
  reluBackward(g: FloatArray, a: FloatArray, d: FloatArray): void;
  /** Y = X + s·Z over y.length numbers (the update W ← W − α·dW is addScaled(W, dW, −α, W)) */
  addScaled(x: FloatArray, z: FloatArray, s: number, y: FloatArray): void;
  /** Y = X + Z */
  add(x: FloatArray, z: FloatArray, y: FloatArray): void;
  /** Y = X − Z */
  sub(x: FloatArray, z: FloatArray, y: FloatArray): void;
  /** Y = X ⊙ Z */
  hadamard(x: FloatArray, z: FloatArray, y: FloatArray): void;
  /** Y = s·X */
  scale(x: FloatArray, s: number, y: FloatArray): void;
  /** Y[j,i] = X[i,j], X m×n */
  transpose(x: FloatArray, y: FloatArray, m: number, n: number): void;
  /**
   * A zero-filled float32 array for a buffer that will be kept and used again and again (weights, a data set,
   * a layer's outputs), placed where these kernels read it fastest (the wasm kernels: in their own memory).
   */
  longLivedArray(length: number): Float32Array;

  // --- Convolution and pooling (chapter 11): the rearrangements around a convolution's product ---------------
  // Images are rows: X is N × (C·H·W), channel-major; g gives the window size k, stride s and padding p, and
  // the OH × OW window positions (P = OH·OW). They copy, compare and add onto zero only, so every kernel gives
  // the plain loops' numbers bit for bit.
  /** cols[n·P + oy·OW + ox, (c·k + ky)·k + kx] = X[n, c, oy·s − p + ky, ox·s − p + kx]   (0 in the padding) */
  im2col(x: FloatArray, cols: FloatArray, n: number, g: WindowShape): void;
  /** X = 0, then each entry of cols added onto the pixel im2col copied it from (col2im is im2col's transpose) */
  col2im(cols: FloatArray, x: FloatArray, n: number, g: WindowShape): void;
  /** Z[n, f, q] = Z'[n·P + q, f] + b[f]:  Z' (N·P)×F (one row per window position) → Z N×(F·P), channel-major */
  channelsFirst(zT: FloatArray, bias: FloatArray, z: FloatArray, n: number, filters: number, positions: number): void;
  /** dZ'[n·P + q, f] = dZ[n, f, q]:  the reverse of channelsFirst, without the bias */
  channelsLast(dZ: FloatArray, dZT: FloatArray, n: number, filters: number, positions: number): void;
  /** Y[n, c, oy, ox] = max of the s×s window at (oy·s, ox·s), s = g.kernel = g.stride; winners[o] = the index in X of Y[o] (the first on a tie) */
  maxPool(x: FloatArray, y: FloatArray, winners: Int32Array, n: number, g: WindowShape): void;
  /** dX = 0, then dX[winners[o]] += dY[o] for every output o (dY.length of them) */
  maxPoolBackward(dY: FloatArray, winners: Int32Array, dX: FloatArray): void;
  /** A zero-filled Int32Array for indices that are kept (pooling's winners), placed as longLivedArray places numbers. */
  longLivedIndices(length: number): Int32Array;
  /**
   * A direct convolution, the one kernel here that does arithmetic (issue 31: conv 1's thin product without im2col):
   * Z[n, f, oy, ox] = b[f] + Σ_{c, ky, kx} W[f, (c·k + ky)·k + kx] · X[n, c, oy·s − p + ky, ox·s − p + kx] (0 in the
   * padding), W F×(C·k·k); the sum from (c, ky, kx) = 0 up, then + b[f]. Float32 kernels round as a product does.
   */
  convForward(x: FloatArray, weights: FloatArray, bias: FloatArray, z: FloatArray, n: number, filters: number, g: WindowShape): void;

  // --- Batched small products (chapter 15's attention heads: one product per head and example) -----------------
  /**
   * `count` small products, one after another: for s = 0 … count − 1, C_s[m×n] = op(A_s)·op(B_s), where
   * A_s starts at a[s·m·k], B_s at b[s·k·n], C_s at c[s·m·n], each stored contiguous and row-major, and
   *   transA false: A_s is m×k;  true: A_s is stored k×m and op(A_s) = A_sᵀ
   *   transB false: B_s is k×n;  true: B_s is stored n×k and op(B_s) = B_sᵀ
   * C_s[i,j] = Σ_p op(A_s)[i,p]·op(B_s)[p,j], summed from p = 0 up.
   */
  matmulBatched(a: FloatArray, b: FloatArray, c: FloatArray, count: number, m: number, k: number, n: number,
                transA: boolean, transB: boolean): void;

  // --- The LSTM's gates (chapter 14): one time step's element-wise work, after its products ---------------------
  // Gate rows hold 4H numbers, blocks of H in the order i, f, g, o; cell and hidden rows H; `rows` rows of each.
  // Float32 kernels may use their own σ and tanh: within a few float32 roundings of these loops' Math.exp, Math.tanh.
  /**
   * gates = Zx (x_t·Wx + b) on entry; with a = Zx + Zh:  i, f, o = σ(a_i, a_f, a_o), g = tanh(a_g), written into gates;
   * c = f ⊙ cPrev + i ⊙ g,  tc = tanh(c),  h = o ⊙ tc
   */
  lstmGatesForward(gates: FloatArray, zh: FloatArray, cPrev: FloatArray, c: FloatArray, tc: FloatArray, h: FloatArray,
                   rows: number, hidden: number): void;
  /**
   * dc_t = dc + dh ⊙ o ⊙ (1 − tc²);  dz = [dc_t ⊙ g ⊙ i(1 − i) | dc_t ⊙ cPrev ⊙ f(1 − f) | dc_t ⊙ i ⊙ (1 − g²) |
   * dh ⊙ tc ⊙ o(1 − o)];  dc ← dc_t ⊙ f.  Returns Σ dc_t² (over all rows and units).
   */
  lstmGatesBackward(gates: FloatArray, cPrev: FloatArray, tc: FloatArray, dh: FloatArray, dc: FloatArray, dz: FloatArray,
                    rows: number, hidden: number): number;

  // --- Optimizer updates (issue 31): one parameter's whole update in one call, instead of a JavaScript loop ---
  /**
   * Adam's update of one parameter over w.length numbers (w, dW, m and s of that length), each line in float64
   * and rounded once to the arrays' type when stored; the last line reads m and s as stored:
   *   g = dW + λ·W + λ₁·sign(W),  m ← β₁·m + (1−β₁)·g,  s ← β₂·s + (1−β₂)·g·g,  W ← W − α·(m/c₁)/(√(s/c₂) + ε)
   * where c₁ = 1 − β₁ᵗ and c₂ = 1 − β₂ᵗ are the bias corrections of step t.
   */
  adamUpdate(w: FloatArray, dw: FloatArray, m: FloatArray, s: FloatArray, lr: number, beta1: number, beta2: number,
             eps: number, c1: number, c2: number, l2: number, l1: number): void;

  // --- LayerNorm, attention's softmax and heads (chapter 15; issue 31): `tokens` blocks of n numbers, each normalised over its own n ----------------
  // Float32 kernels may sum in float32: within a few float32 roundings of the plain loops (which sum in float64).
  /** μ, σ² of each block; invStd[t] = 1/√(σ² + ε),  x̂ = (x − μ)·invStd,  y = γ ⊙ x̂ + β  (γ, β: n numbers) */
  layerNormForward(x: FloatArray, gamma: FloatArray, beta: FloatArray, xHat: FloatArray, y: FloatArray, invStd: FloatArray,
                   tokens: number, n: number, eps: number): void;
  /** dβ = Σ dy,  dγ = Σ dy ⊙ x̂ (over all tokens, overwritten),  dx = invStd·(dx̂ − mean(dx̂) − x̂·mean(dx̂ ⊙ x̂)), dx̂ = dy ⊙ γ */
  layerNormBackward(dY: FloatArray, xHat: FloatArray, gamma: FloatArray, invStd: FloatArray, dX: FloatArray,
                    dGamma: FloatArray, dBeta: FloatArray, tokens: number, n: number): void;
  // The attention heads' softmax (chapter 15), in place over `rows` rows of n; float32 kernels may use their own e^x.
  /** A[j] = exp(s·(S[j] − max))/Σ_k exp(s·(S[k] − max)), max = max_k S[k], each row (s > 0) */
  attentionSoftmax(a: FloatArray, rows: number, n: number, s: number): void;
  /** dA ← dS:  dS[j] = s·A[j]·(dA[j] − Σ_k dA[k]·A[k]), each row */
  attentionSoftmaxBackward(a: FloatArray, dA: FloatArray, rows: number, n: number, s: number): void;
  /** X ((n·T) × (H·d), token-major) → head-major ((n·H·T) × d):  out[(b·H + h)·T + i, c] = X[b·T + i, h·d + c]  (copies only) */
  splitHeads(x: FloatArray, out: FloatArray, n: number, T: number, H: number, d: number): void;
  /** The inverse of splitHeads:  out[b·T + i, h·d + c] = X[(b·H + h)·T + i, c]  (copies only) */
  mergeHeads(x: FloatArray, out: FloatArray, n: number, T: number, H: number, d: number): void;

  // --- The loss (issue 31): softmax cross-entropy over m rows of n logits ------------------------------------
  /**
   * Each row i, in float64: max = maxⱼ zⱼ, eⱼ = e^(zⱼ − max), lse = max + log Σⱼ eⱼ, gᵢⱼ = (eⱼ/Σₖ eₖ − yᵢⱼ)/m (stored in g);
   * returns Σᵢ Σⱼ yᵢⱼ·(lse − zᵢⱼ), summed row by row (the caller divides by m). Float32 kernels may use their own
   * e^x and log, within about an ulp of float64.
   */
  softmaxCrossEntropy(z: FloatArray, y: FloatArray, g: FloatArray, m: number, n: number): number;
}

/** The sizes of k×k windows over C×H×W images (lib/nn/im2col.ts's ConvGeometry has this shape). */
export interface WindowShape {
  channels: number; //  C
  height: number; //    H
  width: number; //     W
  kernel: number; //    k
  stride: number; //    s
  padding: number; //   p
  outHeight: number; // OH = ⌊(H + 2p − k)/s⌋ + 1
  outWidth: number; //  OW = ⌊(W + 2p − k)/s⌋ + 1
}

/** The methods every Kernels object must have (useKernels checks them). */
export const KERNEL_METHODS = [
  "matmul", "matmulTransA", "matmulTransB", "matmulBias", "matmulBiasRelu", "matmulTransBMask", "addRowVector", "sumRows", "relu", "reluBackward",
  "addScaled", "add", "sub", "hadamard", "scale", "transpose", "longLivedArray",
  "im2col", "col2im", "channelsFirst", "channelsLast", "maxPool", "maxPoolBackward", "longLivedIndices", "convForward",
  "matmulBatched", // batched small products
  "lstmGatesForward", "lstmGatesBackward", // the LSTM's gates
  "adamUpdate", // the optimizer updates
  "layerNormForward", "layerNormBackward", "attentionSoftmax", "attentionSoftmaxBackward", "splitHeads", "mergeHeads", // chapter 15 (issue 31)
  "softmaxCrossEntropy", // the loss (issue 31)
] as const;
