// Which kernels the page's arithmetic uses: the library's WebAssembly kernels (lib/engine/wasm/: SIMD, one thread here,
// at most 256 MB of memory: the subset and a few copies of it) when they load in this browser and agree with
// the plain loops on a small case; the plain TypeScript loops (lib/engine/kernels-js.ts) otherwise. gemm.wasm travels
// inside the bundle (esbuild's binary loader).
// (lib/engine/backend.ts makes the same choice in Node, where it finds gemm.wasm on disk and can start threads.)
import wasmBytes from "../lib/engine/wasm/gemm.wasm";
import { useKernels } from "../lib/engine/active";
import { jsKernels, agreesWithLoops } from "../lib/engine/kernels-js";
import { WasmKernels } from "../lib/engine/wasm/kernels";

/** Switch to the wasm kernels if they work here; returns what the arithmetic uses now and, if not wasm, why. */
export function pickKernels(): string {
  try {
    if (typeof WebAssembly === "undefined") return "plain loops (this browser has no WebAssembly)";
    if (!WebAssembly.validate(wasmBytes)) return "plain loops (this browser lacks WebAssembly SIMD or shared memory)";
    const wasm = new WasmKernels(new WebAssembly.Module(wasmBytes), jsKernels, { threads: 1, capacity: 1, maxMemoryBytes: 256 << 20 });
    const failure = agreesWithLoops(wasm);
    if (failure !== null) return `plain loops (the WebAssembly kernels disagree: ${failure})`;
    useKernels(wasm);
    return "WebAssembly SIMD";
  } catch (e) {
    useKernels(jsKernels);
    return `plain loops (WebAssembly failed: ${(e as Error).message})`;
  }
}
