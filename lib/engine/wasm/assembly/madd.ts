// The multiply-add every product is made of, c + a·b, in one place (AssemblyScript; see gemm.ts).
//
// gemm.wasm computes it as two instructions, a multiply then an add, each rounded to float32: the same
// numbers as a float32 loop in any language. gemm-relaxed.wasm (built with --enable relaxed-simd) uses
// WebAssembly's relaxed SIMD f32x4.relaxed_madd, which the processor may do as one fused multiply-add
// (one rounding instead of two: faster, and different from the two-step result in the last bit).
// lib/engine/wasm/load.ts uses it where the JavaScript engine has relaxed SIMD.

/** c + a·b in each of the 4 lanes */
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** c + a·b for one number, rounded exactly as one lane of madd (so a column done alone matches its SIMD neighbours) */
@inline
export function madd1(a: f32, b: f32, c: f32): f32 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.extract_lane(f32x4.relaxed_madd(f32x4.splat(a), f32x4.splat(b), f32x4.splat(c)), 0);
  return c + a * b;
}
