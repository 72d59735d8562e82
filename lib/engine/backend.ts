// Which kernels (lib/engine/kernels.ts) do the arithmetic of lib/core/ops.ts:
//   "js"    the plain TypeScript loops of lib/engine/kernels-js.ts (products in lib/engine/gemm.ts): what a student reads,
//           and the oracle;
//   "wasm"  our WebAssembly kernels (lib/engine/wasm/): SIMD, cache blocking, and worker threads for large products.
// "wasm" also keeps the float32 matrices the library holds on to (data sets, weights, layer buffers: made with
// longLived(…)) in WebAssembly memory, so the kernels read them without copying, and runs the bias, ReLU and
// Σ-rows passes over them. Float64 work, softmax and the losses are the same TypeScript either way.
//
// At its first operation the library picks the fastest backend that works here (importing does nothing heavy):
// "wasm" if lib/engine/wasm/gemm.wasm loads and passes a quick self-test against the JS loops, otherwise "js"
// (silently; backendInfo().reason says why). setBackend before then chooses instead.
// Environment variables: MNIST_BACKEND=js (or wasm) forces a backend; MNIST_THREADS=1 keeps it single-threaded.
import { availableParallelism } from "os";
import type { Kernels } from "./kernels";
import { activeKernels, setKernelChooser, useKernels } from "./active";
import { jsKernels, agreesWithLoops } from "./kernels-js";
import { loadGemmModule } from "./wasm/load";
import { WasmKernels } from "./wasm/kernels";
import type { WasmModule } from "./wasm/api";

export type BackendName = "js" | "wasm";

export interface BackendOptions {
  /** threads in all for "wasm", the main thread included (default: the machine's cores, at most 8) */
  threads?: number;
  /**
   * the most WebAssembly memory "wasm" may use, in bytes (default just under 2 GiB); resident matrices past it
   * are ordinary arrays. It stays in force for later setBackend("wasm") calls that do not give one.
   */
  maxMemoryBytes?: number;
  /** products with fewer floating-point operations than this stay on the main thread (default 4,000,000) */
  minThreadFlops?: number;
  /** operands larger than this many floats go through WebAssembly memory in chunks (default 8 Mi) */
  chunkFloats?: number;
  /**
   * fused multiply-add in the products where the engine has relaxed SIMD (default true; MNIST_FMA=0 turns it
   * off): faster, and each product within float32 rounding of the unfused one
   */
  fma?: boolean;
}

export interface BackendInfo {
  /** the backend the float32 products use now */
  name: BackendName;
  /** whether "wasm" can be used on this machine */
  wasmAvailable: boolean;
  /** threads the products may use (1 for "js") */
  threads: number;
  /** worker threads started and ready right now (they start at the first large product) */
  workersReady: number;
  /** how the backend was chosen, or why "wasm" is unavailable */
  reason: string;
  /** bytes of WebAssembly memory reserved so far (0 for "js") */
  memoryBytes: number;
  /** of which float32 matrices living in it, read by the kernels without a copy */
  matrixBytes: number;
  /** whether the products fuse each multiply-add (gemm-relaxed.wasm, relaxed SIMD); false for "js" */
  fma: boolean;
}

const MAX_DEFAULT_THREADS = 8;

// the two builds of the kernels (lib/engine/wasm/load.ts): index 1 fuses multiply-adds, index 0 does not
const wasmModules: [WasmModule | null, WasmModule | null] = [null, null];
const wasmErrors = ["", ""];
let wasmError = "";
let wasmKernels: WasmKernels | null = null;
let wasmKernelsFma = false;
let current: BackendName = "js";
let reason = "";

/** Switches the float32 products to "js" or "wasm". Throws, saying why, if "wasm" cannot run here. */
export function setBackend(name: BackendName, options: BackendOptions = {}): BackendInfo {
  if (name === "js") {
    useKernels(jsKernels);
    current = "js";
    reason = "chosen with setBackend";
    return backendInfo();
  }
  if (name !== "wasm") throw new Error(`setBackend: expected "js" or "wasm", got ${JSON.stringify(name)}`);
  const wanted = loadWasm(options.fma);
  if (wanted === null) throw new Error(`setBackend("wasm"): WebAssembly kernels are unavailable here: ${wasmError}`);
  const { module, fma } = wanted;
  const threads = options.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(`setBackend: threads must be a whole number ≥ 1, got ${threads}`);
  }
  const maxMemoryBytes = options.maxMemoryBytes ?? wasmKernels?.maxMemoryBytes;
  if (wasmKernels !== null && threads <= wasmKernels.capacity && wasmKernels.maxMemoryBytes === maxMemoryBytes &&
      wasmKernelsFma === fma) {
    wasmKernels.setThreads(threads); // the same memory: matrices already in it stay there
  } else {
    // new kernels have a new memory: matrices made before stay valid, as ordinary arrays to the new kernels
    wasmKernels?.shutdown();
    wasmKernels = new WasmKernels(module, jsKernels, { threads, maxMemoryBytes });
    wasmKernelsFma = fma;
  }
  if (options.minThreadFlops !== undefined) wasmKernels.minThreadFlops = options.minThreadFlops;
  useKernels(wasmKernels);
  current = "wasm";
  reason = "chosen with setBackend";
  return backendInfo();
}

/** The backend the float32 products use now. */
export function getBackend(): BackendName {
  activeKernels(); // the first use chooses
  return current;
}

/** The active backend, its threads, and why it was chosen. */
export function backendInfo(): BackendInfo {
  activeKernels(); // the first use chooses
  const wasmAvailable = loadWasm() !== null;
  const stats = current === "wasm" && wasmKernels !== null ? wasmKernels.stats() : null;
  return {
    name: current,
    wasmAvailable,
    threads: stats?.threads ?? 1,
    workersReady: stats?.workersReady ?? 0,
    reason: wasmAvailable ? reason : `${reason}; wasm unavailable: ${wasmError}`,
    memoryBytes: stats?.memoryBytes ?? 0,
    matrixBytes: stats?.heapBytes ?? 0,
    fma: current === "wasm" && wasmKernelsFma,
  };
}

/** The kernels object of the wasm backend (for benchmarks and tests), or null if wasm is unavailable. */
export function wasmBackendKernels(options: BackendOptions = {}): WasmKernels | null {
  const loaded = loadWasm(options.fma);
  if (loaded === null) return null;
  return new WasmKernels(loaded.module, jsKernels, { ...options, threads: options.threads ?? 1 });
}

/** Starts the wasm backend's worker threads now and waits (up to timeoutMs) until they are ready; returns how many are. */
export function startThreads(timeoutMs = 2000): number {
  activeKernels(); // the first use chooses
  return current === "wasm" && wasmKernels !== null ? wasmKernels.warmUp(timeoutMs) : 0;
}

/** Stops the wasm backend's worker threads (they start again at the next large product). */
export function stopThreads(): void {
  wasmKernels?.shutdown();
}

function defaultThreads(): number {
  const fromEnv = Number(process.env.MNIST_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv >= 1) return fromEnv;
  return Math.max(1, Math.min(MAX_DEFAULT_THREADS, availableParallelism()));
}

/**
 * The compiled kernels, fusing multiply-adds if `fma` (default: unless MNIST_FMA=0) and the engine can, else the
 * unfused build; null (wasmError says why) when neither loads and passes the self-test.
 */
function loadWasm(fma = process.env.MNIST_FMA !== "0"): { module: WasmModule; fma: boolean } | null {
  for (const variant of fma ? [1, 0] : [0]) {
    if (wasmModules[variant] === null && wasmErrors[variant] === "") {
      const loaded = loadGemmModule({ fma: variant === 1 });
      if ("error" in loaded) wasmErrors[variant] = loaded.error;
      else if (loaded.fma !== (variant === 1)) wasmErrors[variant] = "this engine has no relaxed SIMD";
      else {
        const failure = agreesWithLoops(new WasmKernels(loaded.module, jsKernels, { threads: 1, capacity: 1, maxMemoryBytes: 8 << 20 }));
        if (failure === null) wasmModules[variant] = loaded.module;
        else wasmErrors[variant] = failure;
      }
    }
    const module = wasmModules[variant];
    if (module !== null) return { module, fma: variant === 1 };
  }
  wasmError = wasmErrors[0];
  return null;
}

/** The first choice, made when the first operation asks for kernels: "wasm" unless MNIST_BACKEND=js or it fails. */
function chooseAtFirstUse(): Kernels {
  const forced = process.env.MNIST_BACKEND;
  if (forced === "js") {
    current = "js";
    reason = "MNIST_BACKEND=js";
    return jsKernels;
  }
  try {
    setBackend("wasm");
    reason = forced === "wasm" ? "MNIST_BACKEND=wasm" : "the fastest that works here";
    return wasmKernels as WasmKernels;
  } catch {
    current = "js";
    reason = forced === "wasm" ? "MNIST_BACKEND=wasm, but wasm is unavailable" : "wasm is unavailable";
    return jsKernels;
  }
}

setKernelChooser(chooseAtFirstUse);
