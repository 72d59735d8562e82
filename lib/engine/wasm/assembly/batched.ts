// Many small products in one call (AssemblyScript, compiled into gemm.wasm with the rest; see gemm.ts): the
// attention heads of chapter 15, a T × d by d × T product (16 × 16 × 16) per head and example, far too small
// for gemm's packing and blocking. Each product is computed straight from its operands:
//
//   for s = 0 … count − 1:  C_s[i,j] = Σ_p op(A_s)[i,p]·op(B_s)[p,j]     (A_s m×k, B_s k×n, C_s m×n)
//
// row i of C_s is a sum over p of A_s[i,p] times row p of B_s, 16 (then 4, then 1) columns at a time in
// registers, p from 0 up: each entry is the same float32 sum, in the same order, as a float32 loop's (with
// relaxed SIMD, a fused multiply-add: see madd.ts). When B_s is stored transposed (n×k), it is first copied
// into `work` as k×n; a transposed A_s is only read with another stride.
// Addresses are bytes in linear memory; m, k, n, count are counts of floats.
import { madd, madd1 } from "./madd";

@inline
function addr(base: usize, index: i32): usize {
  return base + (<usize>index << 2); // 4 bytes per float32
}

/**
 * C_s = op(A_s)·op(B_s) for s < count, A_s at a + 4·s·m·k, B_s at b + 4·s·k·n, C_s at c + 4·s·m·n;
 * transA: A_s stored k×m; transB: B_s stored n×k (then `work` must hold k·n floats).
 */
export function gemmBatched(count: i32, m: i32, k: i32, n: i32, a: usize, b: usize, c: usize,
                            transA: bool, transB: bool, work: usize): void {
  const ais = transA ? 1 : k, aps = transA ? m : 1; // op(A_s)[i,p] = A_s[i·ais + p·aps]
  const rowBytes = <usize>n << 2;
  for (let s = 0; s < count; s++) {
    const a0 = addr(a, s * m * k), cs = addr(c, s * m * n);
    let bs = addr(b, s * k * n);
    if (transB) { //                                        B_s (n×k) → work (k×n)
      for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) store<f32>(addr(work, p * n + j), load<f32>(addr(bs, j * k + p)));
      bs = work;
    }
    for (let i = 0; i < m; i++) {
      const ai = addr(a0, i * ais), ci = addr(cs, i * n);
      let j = 0;
      for (; j + 16 <= n; j += 16) {
        let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
        let bp = addr(bs, j);
        for (let p = 0; p < k; p++) {
          const av = f32x4.splat(load<f32>(addr(ai, p * aps)));
          c0 = madd(av, v128.load(bp), c0);
          c1 = madd(av, v128.load(bp, 16), c1);
          c2 = madd(av, v128.load(bp, 32), c2);
          c3 = madd(av, v128.load(bp, 48), c3);
          bp += rowBytes;
        }
        const cj = addr(ci, j);
        v128.store(cj, c0);
        v128.store(cj, c1, 16);
        v128.store(cj, c2, 32);
        v128.store(cj, c3, 48);
      }
      for (; j + 4 <= n; j += 4) {
        let c0 = f32x4.splat(0);
        let bp = addr(bs, j);
        for (let p = 0; p < k; p++) {
          c0 = madd(f32x4.splat(load<f32>(addr(ai, p * aps))), v128.load(bp), c0);
          bp += rowBytes;
        }
        v128.store(addr(ci, j), c0);
      }
      for (; j < n; j++) {
        let sum: f32 = 0;
        for (let p = 0; p < k; p++) sum = madd1(load<f32>(addr(ai, p * aps)), load<f32>(addr(bs, p * n + j)), sum);
        store<f32>(addr(ci, j), sum);
      }
    }
  }
}
