// Which kernels (lib/kernels.ts) do the arithmetic of lib/ops.ts:
//   "js"    the plain TypeScript loops of lib/kernels-js.ts (products in lib/gemm.ts): what a student reads,
//           and the oracle;
//   "wasm"  our WebAssembly kernels (lib/wasm/): SIMD, cache blocking, and worker threads for large products.
// "wasm" also keeps the float32 matrices the library holds on to (data sets, weights, layer buffers: made with
// longLived(…)) in WebAssembly memory, so the kernels read them without copying, and runs the bias, ReLU and
// Σ-rows passes over them. Float64 work, softmax and the losses are the same TypeScript either way.
//
// On import the library picks the fastest backend that works here: "wasm" if lib/wasm/gemm.wasm loads and
// passes a quick self-test against the JS loops, otherwise "js" (silently; backendInfo().reason says why).
// Environment variables: MNIST_BACKEND=js (or wasm) forces a backend; MNIST_THREADS=1 keeps it single-threaded.
import { availableParallelism } from "os";
import { useKernels, type Kernels } from "./kernels";
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
}

const MAX_DEFAULT_THREADS = 8;

let wasmModule: WasmModule | null = null;
let wasmError = "";
let wasmKernels: WasmKernels | null = null;
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
  const module = loadWasm();
  if (module === null) throw new Error(`setBackend("wasm"): WebAssembly kernels are unavailable here: ${wasmError}`);
  const threads = options.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(`setBackend: threads must be a whole number ≥ 1, got ${threads}`);
  }
  const maxMemoryBytes = options.maxMemoryBytes ?? wasmKernels?.maxMemoryBytes;
  if (wasmKernels !== null && threads <= wasmKernels.capacity && wasmKernels.maxMemoryBytes === maxMemoryBytes) {
    wasmKernels.setThreads(threads); // the same memory: matrices already in it stay there
  } else {
    // new kernels have a new memory: matrices made before stay valid, as ordinary arrays to the new kernels
    wasmKernels?.shutdown();
    wasmKernels = new WasmKernels(module, jsKernels, { threads, maxMemoryBytes });
  }
  if (options.minThreadFlops !== undefined) wasmKernels.minThreadFlops = options.minThreadFlops;
  useKernels(wasmKernels);
  current = "wasm";
  reason = "chosen with setBackend";
  return backendInfo();
}

/** The backend the float32 products use now. */
export function getBackend(): BackendName {
  return current;
}

/** The active backend, its threads, and why it was chosen. */
export function backendInfo(): BackendInfo {
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
  };
}

/** The kernels object of the wasm backend (for benchmarks and tests), or null if wasm is unavailable. */
export function wasmBackendKernels(options: BackendOptions = {}): WasmKernels | null {
  const module = loadWasm();
  if (module === null) return null;
  return new WasmKernels(module, jsKernels, { ...options, threads: options.threads ?? 1 });
}

/** Starts the wasm backend's worker threads now and waits (up to timeoutMs) until they are ready; returns how many are. */
export function startThreads(timeoutMs = 2000): number {
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

function loadWasm(): WasmModule | null {
  if (wasmModule !== null || wasmError !== "") return wasmModule;
  const loaded = loadGemmModule();
  if ("error" in loaded) {
    wasmError = loaded.error;
    return null;
  }
  const failure = agreesWithLoops(new WasmKernels(loaded.module, jsKernels, { threads: 1, capacity: 1, maxMemoryBytes: 8 << 20 }));
  if (failure !== null) {
    wasmError = failure;
    return null;
  }
  wasmModule = loaded.module;
  return wasmModule;
}

function chooseOnImport(): void {
  const forced = process.env.MNIST_BACKEND;
  if (forced === "js") {
    current = "js";
    reason = "MNIST_BACKEND=js";
    return;
  }
  try {
    setBackend("wasm");
    reason = forced === "wasm" ? "MNIST_BACKEND=wasm" : "the fastest that works here";
  } catch {
    useKernels(jsKernels);
    current = "js";
    reason = forced === "wasm" ? "MNIST_BACKEND=wasm, but wasm is unavailable" : "wasm is unavailable";
  }
}

chooseOnImport();
