// The small products of attention, for every example and every head at once. Each is tiny (T × d by d × T:
// 16 × 16 × 16 in the chapter's transformer), so instead of one product per head and example they go to the
// kernels as one batch of N·H products (`matmulBatched`, lib/core/ops.ts).
//
// For that, each head's slice must be a block of its own. Q (one token a row, (N·T) × D) is rearranged
// head-major into Q_heads ((N·H·T) × d), block s = b·H + h holding head h of example b:
//   Q_heads[(b·H + h)·T + i, c] = Q[b·T + i, h·d + c]
// and so for K, V and the gradients. Then, with s = 1/√d and every block at once:
//   S = Q_h·K_hᵀ,  A = softmax_rows(s·S),  O_h = A·V_h                                       (forward)
//   dA = dO_h·V_hᵀ,  dV_h = Aᵀ·dO_h,  dS = s·A ⊙ (dA − rowsum(dA ⊙ A)),  dQ_h = dS·K_h,  dK_h = dSᵀ·Q_h   (backward)
// (dS here is the gradient of s·S: the 1/√d is taken once, into dS.)
import type { DType, Matrix } from "../core/matrix";
import { matmulBatched } from "../core/ops";
import { Buffers } from "../core/buffers";
import { activeKernels } from "../engine/active";

type Name = "q" | "k" | "v" | "o" | "dO" | "dA" | "dq" | "dk" | "dv";

/** The heads of one attention layer: T tokens of D values, H heads of d = D/H columns; keeps its buffers. */
export class AttentionHeads {
  private readonly d: number;
  private readonly buffers = {} as Record<Name, Buffers>;
  private n = -1; // examples in the last forward

  constructor(private readonly T: number, private readonly D: number, private readonly H: number) {
    this.d = D / H;
    for (const name of ["q", "k", "v", "o", "dO", "dA", "dq", "dk", "dv"] as const) this.buffers[name] = new Buffers();
  }

  private get(name: Name, rows: number, cols: number, dtype: DType): Matrix {
    return this.buffers[name].get(rows, cols, dtype);
  }

  /** From Q, K, V ((N·T) × D): the attention weights A into attn ((N·H·T) × T, row (b·H + h)·T + i) and C = [O_1 | … | O_H] into c. */
  forward(q: Matrix, k: Matrix, v: Matrix, attn: Matrix, c: Matrix): void {
    const { T, D, H, d } = this, n = q.rows / T, rows = n * H * T, dt = q.dtype;
    const qh = toHeads(q, this.get("q", rows, d, dt), T, D, H), kh = toHeads(k, this.get("k", rows, d, dt), T, D, H);
    const vh = toHeads(v, this.get("v", rows, d, dt), T, D, H);
    matmulBatched(qh, kh, n * H, "A·Bᵀ", attn); //                      S = Q_h·K_hᵀ
    activeKernels().attentionSoftmax(attn.data, attn.rows, T, 1 / Math.sqrt(d)); // A = softmax_rows(S/√d)
    const oh = matmulBatched(attn, vh, n * H, "A·B", this.get("o", rows, d, dt)); // O_h = A·V_h
    fromHeads(oh, c, T, D, H);
    this.n = n;
  }

  /** From dC (laid out like C) and the last forward's attn: dQ, dK, dV (each laid out like Q). */
  backward(attn: Matrix, dC: Matrix, dQ: Matrix, dK: Matrix, dV: Matrix): void {
    const { T, D, H, d, n } = this, rows = n * H * T, dt = dC.dtype;
    if (n < 0 || dC.rows !== n * T) throw new Error(`AttentionHeads.backward: dC is ${dC.shape}, expected ${n * T}×${D} from the last forward`);
    const dOh = toHeads(dC, this.get("dO", rows, d, dt), T, D, H);
    const vh = this.get("v", rows, d, dt), qh = this.get("q", rows, d, dt), kh = this.get("k", rows, d, dt);
    const dA = matmulBatched(dOh, vh, n * H, "A·Bᵀ", this.get("dA", rows, T, dt)); //        dA = dO_h·V_hᵀ
    fromHeads(matmulBatched(attn, dOh, n * H, "Aᵀ·B", this.get("dv", rows, d, dt)), dV, T, D, H); // dV_h = Aᵀ·dO_h
    activeKernels().attentionSoftmaxBackward(attn.data, dA.data, attn.rows, T, 1 / Math.sqrt(d)); // dS = A ⊙ (dA − rowsum(dA ⊙ A))/√d, over dA
    fromHeads(matmulBatched(dA, kh, n * H, "A·B", this.get("dq", rows, d, dt)), dQ, T, D, H); //   dQ_h = dS·K_h
    fromHeads(matmulBatched(dA, qh, n * H, "Aᵀ·B", this.get("dk", rows, d, dt)), dK, T, D, H); //  dK_h = dSᵀ·Q_h
  }
}

/** X ((N·T) × D, token-major) → head-major ((N·H·T) × d):  out[(b·H + h)·T + i, c] = X[b·T + i, h·d + c]. */
export function toHeads(x: Matrix, out: Matrix, T: number, D: number, H: number): Matrix {
  activeKernels().splitHeads(x.data, out.data, x.rows / T, T, H, D / H); // (lib/engine/kernels-js-norm.ts has the loop)
  return out;
}

/** The inverse of toHeads: head-major ((N·H·T) × d) → token-major ((N·T) × D). */
export function fromHeads(xh: Matrix, out: Matrix, T: number, D: number, H: number): Matrix {
  activeKernels().mergeHeads(xh.data, out.data, out.rows / T, T, H, D / H);
  return out;
}
