// Multi-head self-attention (Vaswani et al., 2017), without a mask. A row holds T tokens of D values, token-major.
// Per example, with X: T × D (one token a row) and d = D/H the width of a head:
//   Q = X·Wq + bq,   K = X·Wk + bk,   V = X·Wv + bv                     (T × D each; one product over the whole batch)
//   head h takes the columns h·d … (h+1)·d − 1:  S_h = Q_h·K_hᵀ/√d,  A_h = softmax_rows(S_h),  O_h = A_h·V_h
//   C = [O_1 | … | O_H],   Y = C·Wo + bo
// Backward, from dY (the small per-head products, batched over heads and examples, in ./attention-heads.ts):
//   dWo = Cᵀ·dY,  dbo = Σ dY,  dC = dY·Woᵀ
//   dA_h = dO_h·V_hᵀ,  dV_h = A_hᵀ·dO_h,  dS_h = A_h ⊙ (dA_h − rowsum(dA_h ⊙ A_h)),  dQ_h = dS_h·K_h/√d,  dK_h = dS_hᵀ·Q_h/√d
//   dWq = Xᵀ·dQ,  dbq = Σ dQ  (and so for K, V),   dX = dQ·Wqᵀ + dK·Wkᵀ + dV·Wvᵀ
import { Matrix, longLived, type DType } from "../core/matrix";
import { matmul, matmulTransA, matmulTransB, addRowVector, sumRows, add } from "../core/ops";
import { Buffers } from "../core/buffers";
import { Random } from "../core/random";
import { Layer, type LayerConfig, type Param, type BackwardOptions } from "./layers";
import { Views, checkTokens, checkSize, initWeights } from "./tokens";
import { AttentionHeads } from "./attention-heads";

export interface MultiHeadAttentionOptions {
  tokens: number;
  dim: number;
  heads: number;
  rng?: Random;
  seed?: number;
  dtype?: DType;
}

/** Self-attention with `heads` heads over `tokens` tokens of `dim` values; Wq, Wk, Wv, Wo Xavier-uniform, biases 0. */
export class MultiHeadAttention extends Layer {
  readonly name = "MultiHeadAttention";
  readonly tokens: number;
  readonly dim: number;
  readonly heads: number;
  readonly Wq: Matrix; readonly Wk: Matrix; readonly Wv: Matrix; readonly Wo: Matrix; // D × D each
  readonly bq: Matrix; readonly bk: Matrix; readonly bv: Matrix; readonly bo: Matrix; // 1 × D each
  private readonly grads: Record<string, Matrix> = {};
  private readonly paramList: Param[];

  private x: Matrix | null = null; //       X: (batch·T) × D, a view of the last input
  private q: Matrix | null = null; private k: Matrix | null = null; private v: Matrix | null = null;
  private attn: Matrix | null = null; //    A: (batch·H·T) × T, every head's attention weights
  private c: Matrix | null = null; //       C: (batch·T) × D, the heads' outputs side by side
  private readonly buffers: Record<"q" | "k" | "v" | "a" | "c" | "y" | "dC" | "dQ" | "dK" | "dV" | "dX" | "tmp", Buffers> = {
    q: new Buffers(), k: new Buffers(), v: new Buffers(), a: new Buffers(), c: new Buffers(), y: new Buffers(),
    dC: new Buffers(), dQ: new Buffers(), dK: new Buffers(), dV: new Buffers(), dX: new Buffers(), tmp: new Buffers(),
  };
  private readonly views = new Views();
  private readonly perHead: AttentionHeads;

  constructor(options: MultiHeadAttentionOptions) {
    super();
    const { tokens, dim, heads } = options;
    for (const [what, n] of [["tokens", tokens], ["dim", dim], ["heads", heads]] as const) checkSize("MultiHeadAttention", what, n);
    if (dim % heads !== 0) throw new Error(`MultiHeadAttention: dim (${dim}) must be a multiple of heads (${heads}), so that each head gets dim/heads columns`);
    this.tokens = tokens;
    this.dim = dim;
    this.heads = heads;
    this.perHead = new AttentionHeads(tokens, dim, heads);
    const dtype = options.dtype ?? "float32";
    const rng = options.rng ?? new Random(options.seed ?? 0);
    const weight = () => {
      const w = longLived(dim, dim, dtype);
      initWeights(w, "xavier", rng);
      return w;
    };
    this.Wq = weight(); this.Wk = weight(); this.Wv = weight(); this.Wo = weight();
    this.bq = longLived(1, dim, dtype); this.bk = longLived(1, dim, dtype); this.bv = longLived(1, dim, dtype); this.bo = longLived(1, dim, dtype);
    const names = ["Wq", "Wk", "Wv", "Wo", "bq", "bk", "bv", "bo"] as const;
    this.paramList = names.map((name) => {
      const value = this[name];
      this.grads[name] = longLived(value.rows, value.cols, dtype);
      return { name, value, grad: this.grads[name], role: name[0] === "W" ? "weight" : "bias" };
    });
  }

  get dtype(): DType {
    return this.Wq.dtype;
  }

  /** The attention weights of the last forward: A[(b·H + h)·T + i, j] = how much token i of example b attends to token j in head h. */
  get attention(): Matrix | null {
    return this.attn;
  }

  forward(input: Matrix): Matrix {
    checkTokens(this.describe(), input, this.tokens, this.dim);
    const T = this.tokens, D = this.dim, H = this.heads, n = input.rows, rows = n * T, dt = this.dtype, b = this.buffers;
    const x = (this.x = this.views.of(input, rows, D)); //         X: (batch·T) × D
    const q = (this.q = b.q.get(rows, D, dt)), k = (this.k = b.k.get(rows, D, dt)), v = (this.v = b.v.get(rows, D, dt));
    addRowVector(matmul(x, this.Wq, q), this.bq, q); //             Q = X·Wq + bq
    addRowVector(matmul(x, this.Wk, k), this.bk, k); //             K = X·Wk + bk
    addRowVector(matmul(x, this.Wv, v), this.bv, v); //             V = X·Wv + bv
    this.attn = b.a.get(n * H * T, T, dt);
    this.c = b.c.get(rows, D, dt);
    this.perHead.forward(q, k, v, this.attn, this.c); //           A_h = softmax(Q_h·K_hᵀ/√d),  O_h = A_h·V_h
    const y = b.y.get(rows, D, dt);
    addRowVector(matmul(this.c, this.Wo, y), this.bo, y); //       Y = C·Wo + bo
    return this.views.of(y, n, T * D);
  }

  backward(dOut: Matrix): Matrix;
  backward(dOut: Matrix, options: BackwardOptions): Matrix | null;
  backward(dOut: Matrix, options: BackwardOptions = {}): Matrix | null {
    const { x, q, k, v, attn, c } = this;
    if (x === null || q === null || k === null || v === null || attn === null || c === null) {
      throw new Error(`${this.describe()}.backward: call forward first`);
    }
    const T = this.tokens, D = this.dim, rows = x.rows, n = rows / T, dt = this.dtype, b = this.buffers, g = this.grads;
    if (dOut.rows !== n || dOut.cols !== T * D) throw new Error(`${this.describe()}.backward: dY is ${dOut.shape} but the output was ${n}×${T * D}`);
    const dY = this.views.of(dOut, rows, D);
    matmulTransA(c, dY, g.Wo); //                                    dWo = Cᵀ·dY
    sumRows(dY, g.bo); //                                            dbo = Σ dY
    const dC = matmulTransB(dY, this.Wo, b.dC.get(rows, D, dt)); //  dC = dY·Woᵀ
    const dQ = b.dQ.get(rows, D, dt), dK = b.dK.get(rows, D, dt), dV = b.dV.get(rows, D, dt);
    this.perHead.backward(attn, dC, dQ, dK, dV); //                dQ, dK, dV from dC through every head
    const pairs = [[dQ, this.Wq, g.Wq, g.bq], [dK, this.Wk, g.Wk, g.bk], [dV, this.Wv, g.Wv, g.bv]] as const;
    for (const [dP, , dW, db] of pairs) {
      matmulTransA(x, dP, dW); //                                    dWq = Xᵀ·dQ  (and K, V)
      sumRows(dP, db); //                                            dbq = Σ dQ
    }
    if (options.inputGrad === false) return null;
    const dX = b.dX.get(rows, D, dt), tmp = b.tmp.get(rows, D, dt);
    matmulTransB(dQ, this.Wq, dX); //                                dX = dQ·Wqᵀ + dK·Wkᵀ + dV·Wvᵀ
    add(dX, matmulTransB(dK, this.Wk, tmp), dX);
    add(dX, matmulTransB(dV, this.Wv, tmp), dX);
    return this.views.of(dX, n, T * D);
  }

  params(): Param[] {
    return this.paramList;
  }

  config(): LayerConfig {
    return { type: "attention", tokens: this.tokens, dim: this.dim, heads: this.heads };
  }

  inputSize(): number {
    return this.tokens * this.dim;
  }

  describe(): string {
    return `MultiHeadAttention(${this.tokens}×${this.dim}, ${this.heads} heads)`;
  }
}
