// Finding and compiling lib/wasm/gemm.wasm, synchronously (so `import … from "./lib/index"` stays synchronous).
import { existsSync, readFileSync } from "fs";
import { join } from "path";
import { findUpward } from "../paths";
import { wasmApi, type WasmModule } from "./api";

export const GEMM_WASM = "gemm.wasm";

/**
 * The path of lib/wasm/<file>, or null. Looked for next to this module when it knows its folder
 * (CommonJS, e.g. inside tslab, defines __dirname), then in lib/wasm/ under the working directory and
 * each of its parents (vitest, tsx and notebooks run from the project root or below it).
 */
export function findWasmFile(file: string = GEMM_WASM): string | null {
  if (typeof __dirname === "string" && existsSync(join(__dirname, file))) return join(__dirname, file);
  return findUpward(join("lib", "wasm", file));
}

/** The compiled module, or a sentence saying why WebAssembly cannot be used here. */
export function loadGemmModule(): { module: WasmModule; path: string } | { error: string } {
  if (wasmApi === undefined) return { error: "this JavaScript engine has no WebAssembly" };
  const path = findWasmFile();
  if (path === null) return { error: `lib/wasm/${GEMM_WASM} was not found next to lib/wasm/load.ts or under ${process.cwd()}` };
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    return { error: `cannot read ${path}: ${(e as Error).message}` };
  }
  if (!wasmApi.validate(bytes)) {
    return { error: `${path} is not valid here (this engine lacks WebAssembly SIMD or threads, or the file is damaged)` };
  }
  try {
    return { module: new wasmApi.Module(bytes), path };
  } catch (e) {
    return { error: `cannot compile ${path}: ${(e as Error).message}` };
  }
}
