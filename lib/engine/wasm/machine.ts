// The machine under the WebAssembly kernels: one shared WebAssembly memory (a heap of matrices, scratch space
// for copied operands, each thread's work area), the compiled gemm.wasm functions, and the worker threads that
// share a large product. lib/engine/wasm/kernels.ts says what each operation does with it.
//
// Memory. WebAssembly only reads its own linear memory. The memory grows up to just under 2 GiB (addresses then
// fit the Int32 fields of the thread pool's control block); past that, new matrices are ordinary arrays.
//
// Threads. Products of at least `minThreadFlops` are split between the main thread and the worker
// threads of lib/engine/wasm/pool.ts, by rows of C (or by columns when C is wide and short, like a 64×256
// batch), in parts of whole 4×8 register tiles that the threads claim one at a time. Every entry of C is
// summed in the same order whatever the split, so the result does not depend on the number of threads.
import { WorkerPool, CONTROL_BYTES, MAX_WORKERS, TASK_INTS, type GemmFn, type ConvPartFn, type SlotCounter } from "./pool";
import { wasmApi, type WasmMemory, type WasmModule } from "./api";
import { WasmHeap, PAGE, align } from "./heap";

const MAX_PAGES = 32767;
export const CHUNK_FLOATS = 1 << 23; // 8 Mi floats (32 MB): larger copied operands go through in chunks
export const MR = 4, NR = 8; // the register tile of gemm.ts: thread splits are multiples of it
/** Matrices of at least this many float32 numbers are made in WebAssembly memory. */
export const HEAP_MIN_FLOATS = 1024;
/** A small operand of an element-wise kernel (a bias row) is copied in when it is not in memory. */
const SMALL_FLOATS = 1 << 16;

export interface WasmKernelsOptions {
  /** threads in all, the main thread included (default 1) */
  threads?: number;
  /** the most threads setThreads may ask for later without a new memory (default: threads, at least 8) */
  capacity?: number;
  /** products with fewer floating-point operations (2·m·n·k) stay on the main thread */
  minThreadFlops?: number;
  /** operands larger than this many floats go through memory in chunks (default 8 Mi; tests make it small) */
  chunkFloats?: number;
  /** the most WebAssembly memory to use, in bytes (default just under 2 GiB; tests make it small) */
  maxMemoryBytes?: number;
}

/** assembly/batched.ts's gemmBatched: count, m, k, n, the addresses of a, b, c, transA, transB (0 or 1), work. */
type GemmBatchedFn = (count: number, m: number, k: number, n: number, a: number, b: number, c: number,
                      transA: number, transB: number, work: number) => void;
type AddScaledFn = (n: number, a: number, b: number, s: number, out: number) => void;
/** assembly/elementwise.ts's adamUpdate: n, the addresses of w, dw, m, s, then α, β₁, β₂, ε, c₁, c₂, λ, λ₁. */
type AdamFn = (n: number, w: number, dw: number, m: number, s: number, lr: number, beta1: number, beta2: number,
               eps: number, c1: number, c2: number, l2: number, l1: number) => void;

export class WasmMachine {
  /** Threads in all, the main thread included (setThreads changes it). */
  threads: number;
  /** The most threads the memory has scratch space for. */
  readonly capacity: number;
  /** The limit given to the constructor (undefined: the default, just under 2 GiB). */
  readonly maxMemoryBytes: number | undefined;
  minThreadFlops: number;
  protected readonly chunkFloats: number;
  protected readonly memory: WasmMemory;
  protected readonly heap: WasmHeap;
  protected readonly gemm: GemmFn;
  protected readonly kBlock: (k: number) => number;
  protected readonly addScaledFn: AddScaledFn;
  protected readonly adamFn: AdamFn;
  protected readonly convPart: ConvPartFn;
  protected readonly gemmBatchedFn: GemmBatchedFn;
  // the LSTM's gates (assembly/gates.ts; lib/engine/wasm/gates.ts calls them)
  protected readonly lstmGatesForwardFn: (rows: number, hidden: number, gates: number, zh: number, cPrev: number, c: number, tc: number, h: number) => void;
  protected readonly lstmGatesBackwardFn: (rows: number, hidden: number, gates: number, cPrev: number, tc: number, dh: number, dc: number, dz: number) => number;
  // LayerNorm, the attention softmax and heads (issue 31; assembly/norm.ts; lib/engine/wasm/norm.ts calls them)
  protected readonly layerNormForwardFn: (tokens: number, n: number, x: number, gamma: number, beta: number, eps: number, xHat: number, y: number, invStd: number) => void;
  protected readonly layerNormBackwardFn: (tokens: number, n: number, dY: number, xHat: number, gamma: number, invStd: number, dX: number, dGamma: number, dBeta: number) => void;
  protected readonly attentionSoftmaxFn: (rows: number, n: number, a: number, s: number) => void;
  protected readonly attentionSoftmaxBackwardFn: (rows: number, n: number, a: number, g: number, s: number) => void;
  protected readonly moveHeadsFn: (toHeads: number, n: number, T: number, H: number, d: number, x: number, out: number) => void;
  protected readonly workBytes: number;
  protected scratchAt = -1; // a heap block for copied operands, kept from call to call
  protected scratchBytes = 0;
  protected pool: WorkerPool | null;
  protected readonly slots: SlotCounter = { next: 0 };
  protected readonly module: WasmModule;
  protected readonly task = new Int32Array(TASK_INTS);

  constructor(module: WasmModule, options: WasmKernelsOptions = {}) {
    this.threads = Math.max(1, Math.min(options.threads ?? 1, MAX_WORKERS + 1));
    // scratch for 8 threads by default, so setThreads can go up later; only what is asked for under a memory limit
    const capacity = options.capacity ?? (options.maxMemoryBytes === undefined ? DEFAULT_CAPACITY : this.threads);
    this.capacity = Math.max(this.threads, Math.min(capacity, MAX_WORKERS + 1));
    this.module = module;
    this.minThreadFlops = options.minThreadFlops ?? DEFAULT_MIN_THREAD_FLOPS;
    this.chunkFloats = options.chunkFloats ?? CHUNK_FLOATS;
    this.maxMemoryBytes = options.maxMemoryBytes;
    // a one-page instance to read WORK_BYTES, then the real memory: control block, each thread's scratch, heap
    const probe = new (api().Instance)(module, { env: { memory: sharedMemory(1, 1), abort } });
    this.workBytes = (probe.exports.WORK_BYTES as { value: number }).value;
    const heapBase = align(CONTROL_BYTES + this.capacity * this.workBytes);
    const maxPages = Math.min(MAX_PAGES, Math.floor((options.maxMemoryBytes ?? MAX_PAGES * PAGE) / PAGE));
    const pages = Math.ceil((heapBase + (1 << 20)) / PAGE);
    if (pages > maxPages) throw new Error(`WasmKernels: maxMemoryBytes must be at least ${pages * PAGE} for ${this.capacity} thread(s)`);
    this.memory = sharedMemory(pages, maxPages);
    this.heap = new WasmHeap(this.memory, heapBase, maxPages * PAGE);
    const fns = new (api().Instance)(module, { env: { memory: this.memory, abort } }).exports; // (not "exports": that is CommonJS's, in tslab)
    this.gemm = fns.gemm as GemmFn;
    this.kBlock = fns.kBlock as (k: number) => number;
    this.addScaledFn = fns.addScaled as AddScaledFn;
    this.adamFn = fns.adamUpdate as AdamFn;
    this.convPart = fns.convPart as ConvPartFn;
    this.gemmBatchedFn = fns.gemmBatched as GemmBatchedFn;
    this.lstmGatesForwardFn = fns.lstmGatesForward as WasmMachine["lstmGatesForwardFn"]; //   the LSTM's gates
    this.lstmGatesBackwardFn = fns.lstmGatesBackward as WasmMachine["lstmGatesBackwardFn"];
    this.layerNormForwardFn = fns.layerNormForward as WasmMachine["layerNormForwardFn"]; //   LayerNorm (issue 31)
    this.layerNormBackwardFn = fns.layerNormBackward as WasmMachine["layerNormBackwardFn"];
    this.attentionSoftmaxFn = fns.attentionSoftmax as WasmMachine["attentionSoftmaxFn"];
    this.attentionSoftmaxBackwardFn = fns.attentionSoftmaxBackward as WasmMachine["attentionSoftmaxBackwardFn"];
    this.moveHeadsFn = fns.moveHeads as WasmMachine["moveHeadsFn"];
    this.pool = this.threads > 1 ? new WorkerPool(module, this.memory, this.threads - 1, this.slots) : null;
  }

  /**
   * Uses `threads` threads in all from now on, on the same memory: matrices already in it stay there.
   * Up to `capacity`; the workers of the old count are stopped, the new ones start at the next large product.

   */
  setThreads(threads: number): void {
    if (!Number.isInteger(threads) || threads < 1 || threads > this.capacity) {
      throw new Error(`WasmKernels.setThreads: expected a whole number from 1 to ${this.capacity}, got ${threads}`);
    }
    if (threads === this.threads) return;
    this.pool?.shutdown();
    this.threads = threads;
    this.pool = threads > 1 ? new WorkerPool(this.module, this.memory, threads - 1, this.slots) : null;
  }

  /** A zero-filled array in WebAssembly memory for matrices of HEAP_MIN_FLOATS or more; null otherwise or when full. */
  allocate(length: number): Float32Array | null {
    return length >= HEAP_MIN_FLOATS ? this.heap.allocate(length) : null;
  }

  /** Whether the kernels read this array in place (it lives in their memory). */
  isResident(array: Float32Array | Float64Array): boolean {
    return array instanceof Float32Array && this.heap.addressOf(array) >= 0;
  }

  /** The address of `array` if it is float32 and lives in memory, else −1; throws (naming `what`) if it holds fewer than `length` numbers. */
  protected residentAt(what: string, array: Float32Array | Float64Array, length: number): number {
    if (array.length < length) throw new Error(`wasm ${what}: an array has ${array.length} numbers where ${length} are needed`);
    return array instanceof Float32Array ? this.heap.addressOf(array) : -1;
  }


  /** Bytes of WebAssembly memory in all and in matrices, and threads ready now. */
  stats(): { memoryBytes: number; heapBytes: number; threads: number; workersReady: number } {
    return {
      memoryBytes: this.memory.buffer.byteLength,
      heapBytes: this.heap.bytesInUse,
      threads: this.threads,
      workersReady: this.pool?.readyCount() ?? 0,
    };
  }

  /** Starts the worker threads now instead of at the first large product; waits (up to timeoutMs) until they are ready. */
  warmUp(timeoutMs = 2000): number {
    if (this.pool === null) return 0;
    this.pool.start();
    const until = Date.now() + timeoutMs;
    const flag = new Int32Array(new SharedArrayBuffer(4)); // something to Atomics.wait on for 2 ms
    while (this.pool.readyCount() < this.pool.size && Date.now() < until) Atomics.wait(flag, 0, 0, 2);
    return this.pool.readyCount();
  }

  /** Stops the worker threads (they start again at the next large product). */
  shutdown(): void {
    this.pool?.shutdown();
  }


  // --- threads ---------------------------------------------------------------------------------------

  /**
   * One gemm call, split between the threads when it is large enough. All offsets are bytes in memory; `bias` (≠ 0)
   * the address of n floats added to each row of C (a Dense layer's b); `relu` (≠ 0): C = max(0, C) after;
   * `mask` (≠ 0): the address of a matrix laid out as C, C = C ⊙ 1[mask > 0] after (gemm.ts's finish).
   */
  protected compute(m: number, n: number, k: number, kc: number, a: number, ais: number, aps: number,
                  b: number, bps: number, bjs: number, c: number, ldc: number, acc: number, bias = 0, relu = 0, mask = 0): void {
    const work0 = CONTROL_BYTES;
    const pool = this.pool;
    if (pool === null || 2 * m * n * k < this.minThreadFlops) {
      this.gemm(m, n, k, kc, a, ais, aps, b, bps, bjs, c, ldc, acc, work0, bias, relu, mask);
      return;
    }
    if (!pool.started) pool.start();
    // Cut the longer side of C into parts of whole register tiles. One part per thread; for tall products
    // (the full batch) up to 4 per thread, so that a thread slowed down by another program does fewer —
    // but each part re-packs all of B, so parts keep at least 512 rows.
    const threads = 1 + pool.readyCount();
    const byRow = m >= n;
    const size = byRow ? m : n, unit = byRow ? MR : NR, units = Math.floor(size / unit);
    let parts = Math.min(units, threads);
    if (byRow && threads > 1) parts = Math.max(parts, Math.min(units, 4 * threads, Math.floor(size / 512)));
    if (parts < 2) {
      this.gemm(m, n, k, kc, a, ais, aps, b, bps, bjs, c, ldc, acc, work0, bias, relu, mask);
      return;
    }
    const task = this.task;
    task[0] = m; task[1] = n; task[2] = k; task[3] = kc;
    task[4] = a; task[5] = ais; task[6] = aps;
    task[7] = b; task[8] = bps; task[9] = bjs;
    task[10] = c; task[11] = ldc; task[12] = acc; task[13] = work0;
    task[14] = parts; task[15] = byRow ? 1 : 0; task[16] = unit; task[17] = this.workBytes; task[18] = 0;
    task[19] = bias; task[20] = relu; task[21] = mask;
    try {
      pool.run(task, this.gemm, this.convPart);
    } catch {
      // a worker failed: stop using threads and redo the whole product here
      pool.shutdown();
      this.gemm(m, n, k, kc, a, ais, aps, b, bps, bjs, c, ldc, acc, work0, bias, relu, mask);
    }
  }

  /**
   * One rearrangement of gemm.wasm's convPart (op, its arguments), over `count` images or planes moving `floats`
   * numbers in all: shared between the threads by images when it is large enough, else on the main thread.
   */
  protected rearrange(op: number, count: number, floats: number, args: number[]): void {
    const a = args, pool = this.pool;
    const parts = pool === null || floats < MIN_THREAD_FLOATS ? 1 : Math.min(count, 1 + pool.readyCount());
    if (pool !== null && !pool.started) pool.start();
    if (parts < 2 || pool === null) {
      this.convPart(op, 0, 1, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9] ?? 0, a[10] ?? 0);
      return;
    }
    const task = this.task;
    task.fill(0);
    for (let i = 0; i < a.length; i++) task[i] = a[i];
    task[14] = parts; task[18] = op;
    try {
      pool.run(task, this.gemm, this.convPart);
    } catch {
      pool.shutdown(); // a worker failed: redo it all here (every part writes only its own images)
      this.convPart(op, 0, 1, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9] ?? 0, a[10] ?? 0);
    }
  }

  // --- memory ----------------------------------------------------------------------------------------

  /** The scratch block, at least `bytes` long (0 needs none): its address, or −1 if memory is full. */
  protected scratch(bytes: number): number {
    if (bytes === 0) return 0;
    if (bytes <= this.scratchBytes) return this.scratchAt;
    if (this.scratchAt >= 0) this.heap.release(this.scratchAt);
    // grow by at least a quarter, so that a slowly growing batch size does not move it every call
    const size = Math.max(bytes, Math.ceil(this.scratchBytes * 1.25));
    this.scratchAt = this.heap.reserve(size);
    this.scratchBytes = this.scratchAt >= 0 ? size : 0;
    return this.scratchAt;
  }

  /** The address of a small array (≤ SMALL_FLOATS) in memory: where it lives, or a copy at the end of scratch; −1 if neither. */
  protected placeSmall(array: Float32Array | null, length: number): number {
    if (array !== null) {
      const home = this.heap.addressOf(array);
      if (home >= 0) return home;
    }
    if (length > SMALL_FLOATS) return -1;
    const at = this.scratch(4 * SMALL_FLOATS);
    if (at < 0) return -1;
    if (array !== null) this.heap.f32.set(array.subarray(0, length), at >> 2);
    return at;
  }
}

/**
 * Products smaller than this many floating-point operations run on the main thread only: waking a worker
 * and waiting for it costs ~15–30 µs, which pays once the product takes ~150 µs (measured; see bench/train.ts).
 */
export const DEFAULT_MIN_THREAD_FLOPS = 4_000_000;

/** The terms of one segment of longSum for a small C (byDepth's choice: C of at most LONG_SUM_MAX_C numbers, k of 4 segments or more). */
export const DEPTH_SEGMENT = 2048, LONG_SUM_MAX_C = 4096;
/** A larger C over a sum of 8 segments or more (a full batch's dW = Xᵀ·dZ) goes by depth in this many equal segments. */
export const LONG_SUM_PARTS = 4;

/** Rearrangements moving fewer numbers than this stay on the main thread (~50 µs of copying). */
const MIN_THREAD_FLOATS = 32_768;

/** Threads a memory has scratch space for unless asked otherwise (~1.2 MB each, untouched until used). */
const DEFAULT_CAPACITY = 8;

function sharedMemory(pages: number, maximum: number): WasmMemory {
  return new (api().Memory)({ initial: pages, maximum, shared: true });
}

function api(): NonNullable<typeof wasmApi> {
  if (wasmApi === undefined) throw new Error("this JavaScript engine has no WebAssembly");
  return wasmApi;
}

function abort(): never {
  throw new Error("gemm.wasm aborted");
}
