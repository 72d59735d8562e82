// Finding and compiling lib/engine/wasm/gemm.wasm, synchronously (so `import … from "./lib/index"` stays synchronous).
//
// Two builds of the same source (scripts/generate/build-wasm.ts): gemm-relaxed.wasm does each multiply-add of a product
// as one fused multiply-add (WebAssembly relaxed SIMD: one rounding instead of two, and faster); gemm.wasm
// as a multiply then an add. The relaxed one is used where the engine has relaxed SIMD: Node 22 and later
// have it; Node 20's V8 has it behind a flag, which we set before compiling. MNIST_FMA=0 keeps gemm.wasm.
import { existsSync, readFileSync } from "fs";
import { join } from "path";
import { setFlagsFromString } from "v8";
import { findUpward } from "../../paths";
import { wasmApi, type WasmModule } from "./api";

export const GEMM_WASM = "gemm.wasm";
export const GEMM_RELAXED_WASM = "gemm-relaxed.wasm";

/**
 * The path of lib/engine/wasm/<file>, or null. Looked for next to this module when it knows its folder
 * (CommonJS, e.g. inside tslab, defines __dirname), then in lib/engine/wasm/ under the working directory and
 * each of its parents (vitest, tsx and notebooks run from the project root or below it).
 */
export function findWasmFile(file: string = GEMM_WASM): string | null {
  if (typeof __dirname === "string" && existsSync(join(__dirname, file))) return join(__dirname, file);
  return findUpward(join("lib", "engine", "wasm", file));
}

/** A compiled module, whether it fuses its multiply-adds, and its path; or a sentence saying why WebAssembly cannot be used here. */
export type LoadedGemm = { module: WasmModule; path: string; fma: boolean } | { error: string };

/**
 * The compiled module: with fma (the default, unless MNIST_FMA=0) gemm-relaxed.wasm where this engine has
 * relaxed SIMD, otherwise gemm.wasm.
 */
export function loadGemmModule(options: { fma?: boolean } = {}): LoadedGemm {
  if (wasmApi === undefined) return { error: "this JavaScript engine has no WebAssembly" };
  if (options.fma ?? process.env.MNIST_FMA !== "0") {
    const relaxed = compile(GEMM_RELAXED_WASM, relaxedSimd);
    if (!("error" in relaxed)) return { ...relaxed, fma: true };
  }
  const plain = compile(GEMM_WASM, () => true);
  return "error" in plain ? plain : { ...plain, fma: false };
}

/** Whether the engine accepts relaxed SIMD; on Node 20, after switching on V8's flag for it (it must precede compiling). */
function relaxedSimd(bytes: Uint8Array): boolean {
  if (wasmApi!.validate(bytes)) return true;
  if (!process.versions.v8.startsWith("11.")) return false; // the flag exists in V8 11 (Node 20); later V8s have it on
  setFlagsFromString("--experimental-wasm-relaxed-simd");
  return wasmApi!.validate(bytes);
}

function compile(file: string, usable: (bytes: Uint8Array) => boolean): { module: WasmModule; path: string } | { error: string } {
  const path = findWasmFile(file);
  if (path === null) return { error: `lib/engine/wasm/${file} was not found next to lib/engine/wasm/load.ts or under ${process.cwd()}` };
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    return { error: `cannot read ${path}: ${(e as Error).message}` };
  }
  if (!usable(bytes) || !wasmApi!.validate(bytes)) {
    return { error: `${path} is not valid here (this engine lacks WebAssembly SIMD or threads, or the file is damaged)` };
  }
  try {
    return { module: new wasmApi!.Module(bytes), path };
  } catch (e) {
    return { error: `cannot compile ${path}: ${(e as Error).message}` };
  }
}
