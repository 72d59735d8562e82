// Which kernels the page's matrix products use: the library's WebAssembly kernels (lib/wasm/: SIMD, one thread
// here) when they load in this browser and agree with the plain loops on a small case, the plain TypeScript
// loops (lib/gemm.ts) otherwise. gemm.wasm travels inside the bundle (esbuild's binary loader).
import wasmBytes from "../lib/wasm/gemm.wasm";
import { jsKernels, useKernels, type GemmKernels } from "../lib/gemm";
import { WasmKernels } from "../lib/wasm/kernels";

/** Switch to the wasm kernels if they work here; returns what the products use now and, if not wasm, why. */
export function pickKernels(): string {
  try {
    if (typeof WebAssembly === "undefined") return "plain loops (this browser has no WebAssembly)";
    if (!WebAssembly.validate(wasmBytes)) return "plain loops (this browser lacks WebAssembly SIMD or shared memory)";
    const module = new WebAssembly.Module(wasmBytes);
    const wasm = new WasmKernels(module, jsKernels, { threads: 1, capacity: 1, maxMemoryBytes: 512 << 20 });
    const failure = agree(wasm);
    if (failure !== null) return `plain loops (the WebAssembly kernels disagree: ${failure})`;
    useKernels(wasm);
    return "WebAssembly SIMD";
  } catch (e) {
    useKernels(jsKernels);
    return `plain loops (WebAssembly failed: ${(e as Error).message})`;
  }
}

/** The three products on a small odd-sized case of small integers (every sum exact): null if they equal the loops'. */
function agree(k: GemmKernels): string | null {
  const m = 7, inner = 13, n = 10;
  const a = new Float32Array(m * inner), b = new Float32Array(inner * n);
  for (let i = 0; i < a.length; i++) a[i] = ((i * 7) % 11) - 5;
  for (let i = 0; i < b.length; i++) b[i] = ((i * 5) % 9) - 4;
  const want = new Float32Array(m * n), got = new Float32Array(m * n);
  for (const op of ["matmul", "matmulTransA", "matmulTransB"] as const) {
    jsKernels[op](a, b, want, m, inner, n);
    k[op](a, b, got, m, inner, n);
    for (let i = 0; i < want.length; i++) if (want[i] !== got[i]) return `${op} entry ${i} is ${got[i]}, expected ${want[i]}`;
  }
  return null;
}
