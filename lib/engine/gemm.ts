// The three matrix products a network needs, as plain TypeScript loops.
//
//   matmul:        C = A·B       forward:   Z = X·W
//   matmulTransA:  C = Aᵀ·B      backward:  dW = Xᵀ·dZ
//   matmulTransB:  C = A·Bᵀ      backward:  dX = dZ·Wᵀ
//
// Arrays are row-major: entry (i, j) of an r×c matrix is at [i·c + j]. lib/engine/kernels-js.ts puts them into the
// plain-loop kernels (jsKernels): the blocked loops for float32, the simple ones when any array is float64.
// They do no checking themselves (lib/core/ops.ts checks shapes).

import type { FloatArray } from "./kernels";

// ---------------------------------------------------------------------------------------------------
// The simple loops, used for float64 products (gradient checks) and the first thing to read.
//
// The sum C[i,j] = Σ_p A[i,p]·B[p,j] written as three loops i, j, p reads B down a column, jumping a
// whole row ahead at every step, which is slow. Swapping the two inner loops (order i-p-j) computes the
// same sums as "row i of C += A[i,p] × row p of B": the innermost loop then walks along rows, which sit
// next to each other in memory.
// ---------------------------------------------------------------------------------------------------

/** C[m×n] = A[m×k]·B[k×n]:  C[i,j] = Σ_p A[i,p]·B[p,j] */
function simpleMatmul(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number): void {
  c.fill(0, 0, m * n);
  for (let i = 0; i < m; i++) {
    const ci = i * n; // row i of C starts at c[ci]
    for (let p = 0; p < k; p++) {
      const x = a[i * k + p]; // A[i,p]
      const bp = p * n; // row p of B starts at b[bp]
      for (let j = 0; j < n; j++) c[ci + j] += x * b[bp + j]; // row i of C += A[i,p] × row p of B
    }
  }
}

/** C[m×n] = Aᵀ·B with A stored k×m, B k×n:  C[i,j] = Σ_p A[p,i]·B[p,j] */
function simpleMatmulTransA(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number): void {
  c.fill(0, 0, m * n);
  for (let i = 0; i < m; i++) {
    const ci = i * n;
    for (let p = 0; p < k; p++) {
      const x = a[p * m + i]; // Aᵀ[i,p] = A[p,i]
      const bp = p * n;
      for (let j = 0; j < n; j++) c[ci + j] += x * b[bp + j];
    }
  }
}

/** C[m×n] = A·Bᵀ with A m×k, B stored n×k:  C[i,j] = Σ_p A[i,p]·B[j,p]  (row i of A · row j of B) */
function simpleMatmulTransB(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number): void {
  for (let i = 0; i < m; i++) {
    const ai = i * k; // row i of A
    for (let j = 0; j < n; j++) {
      const bj = j * k; // row j of B
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ai + p] * b[bj + p];
      c[i * n + j] = s;
    }
  }
}

/** The three products in the simple loops, for any float arrays (float64 or mixed). */
export const simpleProducts = { matmul: simpleMatmul, matmulTransA: simpleMatmulTransA, matmulTransB: simpleMatmulTransB };

// ---------------------------------------------------------------------------------------------------
// The fast TypeScript loops (jsKernels), for float32.
//
// These are what float32 training runs on under the "js" backend, and what faster kernels are tested against. They OVERWRITE c. Same loop order as the simple ones, plus blocks of 4×4: four rows of
// C are updated together from four rows of B, so each number of B read from memory is used four times
// and each read-and-write of C carries four multiply-adds. That makes them about four times as fast
// (`npm run bench -- matmul --simple` times both).
// A block of A that is all zeros is skipped: MNIST images are mostly black pixels (0). (So a NaN or ∞ in
// B meets a 0 in A as 0 here, where 0·NaN would be NaN; a NaN in A is never skipped.)
// ---------------------------------------------------------------------------------------------------

/**
 * C[m×n] = A·B where A is m×k and A[i,p] is stored at a[i·rs + p·ps]:
 * rs = k, ps = 1 is A itself (row-major); rs = 1, ps = m reads the k×m array as its transpose.
 */
function gemmStrided(a: FloatArray, rs: number, ps: number, b: FloatArray, c: FloatArray, m: number, k: number, n: number): void {
  c.fill(0, 0, m * n);
  let i = 0;
  for (; i + 3 < m; i += 4) {
    // rows i..i+3 of A start at r0..r3; rows i..i+3 of C start at c0..c3
    const r0 = i * rs, r1 = r0 + rs, r2 = r1 + rs, r3 = r2 + rs;
    const c0 = i * n, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
    let p = 0;
    for (; p + 3 < k; p += 4) {
      // the 4×4 block of A: xRQ = A[i+R, p+Q]
      const q0 = p * ps, q1 = q0 + ps, q2 = q1 + ps, q3 = q2 + ps;
      const x00 = a[r0 + q0], x01 = a[r0 + q1], x02 = a[r0 + q2], x03 = a[r0 + q3];
      const x10 = a[r1 + q0], x11 = a[r1 + q1], x12 = a[r1 + q2], x13 = a[r1 + q3];
      const x20 = a[r2 + q0], x21 = a[r2 + q1], x22 = a[r2 + q2], x23 = a[r2 + q3];
      const x30 = a[r3 + q0], x31 = a[r3 + q1], x32 = a[r3 + q2], x33 = a[r3 + q3];
      const blockIsZero =
        Math.abs(x00) + Math.abs(x01) + Math.abs(x02) + Math.abs(x03) +
        Math.abs(x10) + Math.abs(x11) + Math.abs(x12) + Math.abs(x13) +
        Math.abs(x20) + Math.abs(x21) + Math.abs(x22) + Math.abs(x23) +
        Math.abs(x30) + Math.abs(x31) + Math.abs(x32) + Math.abs(x33) === 0;
      if (blockIsZero) continue;
      const b0 = p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n; // rows p..p+3 of B
      for (let j = 0; j < n; j++) {
        const y0 = b[b0 + j], y1 = b[b1 + j], y2 = b[b2 + j], y3 = b[b3 + j];
        c[c0 + j] += x00 * y0 + x01 * y1 + x02 * y2 + x03 * y3;
        c[c1 + j] += x10 * y0 + x11 * y1 + x12 * y2 + x13 * y3;
        c[c2 + j] += x20 * y0 + x21 * y1 + x22 * y2 + x23 * y3;
        c[c3 + j] += x30 * y0 + x31 * y1 + x32 * y2 + x33 * y3;
      }
    }
    for (; p < k; p++) {
      // the last k mod 4 rows of B, one at a time
      const q = p * ps, bp = p * n;
      const x0 = a[r0 + q], x1 = a[r1 + q], x2 = a[r2 + q], x3 = a[r3 + q];
      for (let j = 0; j < n; j++) {
        const y = b[bp + j];
        c[c0 + j] += x0 * y;
        c[c1 + j] += x1 * y;
        c[c2 + j] += x2 * y;
        c[c3 + j] += x3 * y;
      }
    }
  }
  for (; i < m; i++) {
    // the last m mod 4 rows of C, one at a time
    const r = i * rs, ci = i * n;
    for (let p = 0; p < k; p++) {
      const x = a[r + p * ps], bp = p * n;
      if (x === 0) continue;
      for (let j = 0; j < n; j++) c[ci + j] += x * b[bp + j];
    }
  }
}

/** C[m×n] = A[m×k]·B[k×n]:  C[i,j] = Σ_p A[i,p]·B[p,j] */
function jsMatmul(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number): void {
  gemmStrided(a, k, 1, b, c, m, k, n); // A[i,p] = a[i·k + p]
}

/** C[m×n] = Aᵀ·B with A stored k×m, B k×n:  C[i,j] = Σ_p A[p,i]·B[p,j] */
function jsMatmulTransA(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number): void {
  gemmStrided(a, 1, m, b, c, m, k, n); // Aᵀ[i,p] = A[p,i] = a[p·m + i]: no transpose is built
}

/** C[m×n] = A·Bᵀ with A m×k, B stored n×k:  C[i,j] = Σ_p A[i,p]·B[j,p]  (row i of A · row j of B) */
function jsMatmulTransB(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number): void {
  // Each entry is a dot product of two contiguous rows. Blocks of 2 rows of A × 4 rows of B: eight dot
  // products at once, so each number read is used two or four times.
  let i = 0;
  for (; i + 1 < m; i += 2) {
    const a0 = i * k, a1 = a0 + k; // rows i, i+1 of A
    const c0 = i * n, c1 = c0 + n; // rows i, i+1 of C
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const b0 = j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k; // rows j..j+3 of B
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (let p = 0; p < k; p++) {
        const x0 = a[a0 + p], x1 = a[a1 + p];
        const y0 = b[b0 + p], y1 = b[b1 + p], y2 = b[b2 + p], y3 = b[b3 + p];
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
      }
      c[c0 + j] = s00; c[c0 + j + 1] = s01; c[c0 + j + 2] = s02; c[c0 + j + 3] = s03;
      c[c1 + j] = s10; c[c1 + j + 1] = s11; c[c1 + j + 2] = s12; c[c1 + j + 3] = s13;
    }
    for (; j < n; j++) {
      const bj = j * k;
      let s0 = 0, s1 = 0;
      for (let p = 0; p < k; p++) {
        s0 += a[a0 + p] * b[bj + p];
        s1 += a[a1 + p] * b[bj + p];
      }
      c[c0 + j] = s0;
      c[c1 + j] = s1;
    }
  }
  for (; i < m; i++) {
    const ai = i * k, ci = i * n;
    for (let j = 0; j < n; j++) {
      const bj = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ai + p] * b[bj + p];
      c[ci + j] = s;
    }
  }
}

/** The three products in the blocked loops, for float32 arrays (V8 compiles them for that one array type). */
export const blockedProducts = { matmul: jsMatmul, matmulTransA: jsMatmulTransA, matmulTransB: jsMatmulTransB };
