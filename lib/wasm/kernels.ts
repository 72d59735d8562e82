// The WebAssembly implementation of the Kernels interface (lib/kernels.ts): the same three products as the
// plain TypeScript loops, and the element-wise passes of a layer (bias, ReLU, Σ over rows, the update), computed
// by lib/wasm/gemm.wasm (source: lib/wasm/assembly/). What it does not compute here (float64 operands, the
// other element-wise operations, element-wise passes over arrays outside its memory) goes to the plain loops.
//
// Memory. WebAssembly only reads its own linear memory. While this backend is active, the matrices the library
// keeps (longLived(…) of 1,024 numbers or more: data sets, weights, layer buffers) are
// made in that memory (lib/wasm/heap.ts: they are still Float32Arrays), so a product or a ReLU reads its
// operands where they are. An operand that lives elsewhere (a small
// matrix, one made before the backend was switched on, any Float32Array) is copied into scratch memory
// for the product and the result copied back out: memcpy, 3–8 GB/s from main memory. Operands copied
// that way and larger than CHUNK_FLOATS go through in chunks, so memory stays bounded.
// The element-wise kernels run only on arrays in memory (they would spend longer copying than the JS loop
// spends computing); otherwise the plain loops do them.
//
// Threads. Products of at least `minThreadFlops` are split between the main thread and the worker
// threads of lib/wasm/pool.ts, by rows of C (or by columns when C is wide and short, like a 64×256
// batch), in parts of whole 4×8 register tiles that the threads claim one at a time. Every entry of C is
// summed in the same order whatever the split, so the result does not depend on the number of threads.
import type { Kernels, FloatArray } from "../kernels";
import { WorkerPool, CONTROL_BYTES, MAX_WORKERS, TASK_INTS, type GemmFn, type SlotCounter } from "./pool";
import { wasmApi, type WasmMemory, type WasmModule } from "./api";
import { WasmHeap, PAGE, align } from "./heap";

// The memory grows up to just under 2 GiB (addresses then fit the Int32 fields of the thread pool's
// control block). Past that, new matrices are ordinary arrays and products that do not fit use the fallback.
const MAX_PAGES = 32767;
const CHUNK_FLOATS = 1 << 23; // 8 Mi floats (32 MB): larger copied operands go through in chunks
const MR = 4, NR = 8; // the register tile of gemm.ts: thread splits are multiples of it
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

/** Float64 work, a product that does not fit (more than 1 GiB of operands) or whose threads failed goes here. */
type Fallback = Kernels;

/** Updates shorter than this stay in the plain loop (a call into WebAssembly costs more than it saves). */
const ADD_SCALED_MIN = 4096;

type AddScaledFn = (n: number, a: number, b: number, s: number, out: number) => void;

export class WasmKernels implements Kernels {
  readonly name = "wasm";
  /** Threads in all, the main thread included (setThreads changes it). */
  threads: number;
  /** The most threads the memory has scratch space for. */
  readonly capacity: number;
  /** The limit given to the constructor (undefined: the default, just under 2 GiB). */
  readonly maxMemoryBytes: number | undefined;
  minThreadFlops: number;
  private readonly chunkFloats: number;
  private readonly memory: WasmMemory;
  private readonly heap: WasmHeap;
  private readonly gemm: GemmFn;
  private readonly kBlock: (k: number) => number;
  private readonly addScaledFn: AddScaledFn;
  private readonly addRowVectorFn: (m: number, n: number, a: number, b: number, out: number) => void;
  private readonly sumRowsFn: (m: number, n: number, a: number, out: number) => void;
  private readonly reluForwardFn: (n: number, z: number, a: number) => void;
  private readonly reluBackwardFn: (n: number, g: number, a: number, d: number) => void;
  private readonly workBytes: number;
  private scratchAt = -1; // a heap block for copied operands, kept from call to call
  private scratchBytes = 0;
  private pool: WorkerPool | null;
  private readonly slots: SlotCounter = { next: 0 };
  private readonly module: WasmModule;
  private readonly task = new Int32Array(TASK_INTS);

  constructor(module: WasmModule, private readonly fallback: Fallback, options: WasmKernelsOptions = {}) {
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
    this.addRowVectorFn = fns.addRowVector as (m: number, n: number, a: number, b: number, out: number) => void;
    this.sumRowsFn = fns.sumRows as (m: number, n: number, a: number, out: number) => void;
    this.reluForwardFn = fns.reluForward as (n: number, z: number, a: number) => void;
    this.reluBackwardFn = fns.reluBackward as (n: number, g: number, a: number, d: number) => void;
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

  /** A zero-filled array for a kept buffer: in WebAssembly memory when it is large enough and there is room. */
  longLivedArray(length: number): Float32Array {
    return this.allocate(length) ?? new Float32Array(length);
  }

  /** Whether the kernels read this array in place (it lives in their memory). */
  isResident(array: FloatArray): boolean {
    return array instanceof Float32Array && this.heap.addressOf(array) >= 0;
  }

  /** C[m×n] = A[m×k]·B[k×n] */
  matmul(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number): void {
    if (!(a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array)) return this.fallback.matmul(a, b, c, m, k, n);
    if (!this.checked("matmul", a, m * k, b, k * n, c, m * n, k)) return;
    if (!this.byRows(a, b, c, m, k, n, k, 1, n, 1)) this.fallback.matmul(a, b, c, m, k, n);
  }

  /** C[m×n] = Aᵀ·B, A stored k×m, B k×n */
  matmulTransA(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number): void {
    if (!(a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array)) return this.fallback.matmulTransA(a, b, c, m, k, n);
    if (!this.checked("matmulTransA", a, k * m, b, k * n, c, m * n, k)) return;
    if (!this.byDepth(a, b, c, m, k, n)) this.fallback.matmulTransA(a, b, c, m, k, n);
  }

  /** C[m×n] = A·Bᵀ, A m×k, B stored n×k */
  matmulTransB(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number): void {
    if (!(a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array)) return this.fallback.matmulTransB(a, b, c, m, k, n);
    if (!this.checked("matmulTransB", a, m * k, b, n * k, c, m * n, k)) return;
    if (!this.byRows(a, b, c, m, k, n, k, 1, 1, k)) this.fallback.matmulTransB(a, b, c, m, k, n);
  }

  /**
   * out = a + s·b, entry by entry over out.length floats (the update W ← W − α·dW is addScaled(W, dW, −α, W)).
   * a, b and out may be the same array. Computed in float32 (the JS loop rounds once, from float64; the two
   * can differ in the last bit).
   */
  addScaled(a: FloatArray, b: FloatArray, s: number, out: FloatArray): void {
    const n = out.length;
    if (!(a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array) || n < ADD_SCALED_MIN) {
      return this.fallback.addScaled(a, b, s, out);
    }
    if (a.length < n || b.length < n) {
      throw new Error(`wasm addScaled: a has ${a.length} and b ${b.length} numbers, out needs ${n}`);
    }
    if (n === 0) return;
    const heap = this.heap;
    const aHome = heap.addressOf(a), bHome = heap.addressOf(b), outHome = heap.addressOf(out);
    if (aHome >= 0 && bHome >= 0 && outHome >= 0) {
      this.addScaledFn(n, aHome, bHome, s, outHome);
      return;
    }
    const chunk = Math.max(4, Math.floor(this.chunkFloats / 2));
    const aAt = this.scratch(2 * align(4 * Math.min(n, chunk)));
    if (aAt < 0) return this.fallback.addScaled(a, b, s, out);
    const bAt = aAt + align(4 * Math.min(n, chunk)), f32 = heap.f32;
    for (let i0 = 0; i0 < n; i0 += chunk) {
      const i1 = Math.min(n, i0 + chunk);
      f32.set(a.subarray(i0, i1), aAt >> 2);
      f32.set(b.subarray(i0, i1), bAt >> 2);
      this.addScaledFn(i1 - i0, aAt, bAt, s, aAt);
      out.set(f32.subarray(aAt >> 2, (aAt >> 2) + (i1 - i0)), i0);
    }
  }

  /** out[i, j] = a[i, j] + b[j] for an m×n a */
  addRowVector(a: FloatArray, b: FloatArray, out: FloatArray, m: number, n: number): void {
    const done = a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array && this.addRowVectorInMemory(a, b, out, m, n);
    if (!done) this.fallback.addRowVector(a, b, out, m, n);
  }

  /** out[j] = Σ_i a[i, j] for an m×n a */
  sumRows(a: FloatArray, out: FloatArray, m: number, n: number): void {
    const done = a instanceof Float32Array && out instanceof Float32Array && this.sumRowsInMemory(a, out, m, n);
    if (!done) this.fallback.sumRows(a, out, m, n);
  }

  /** a = max(0, z) */
  relu(z: FloatArray, a: FloatArray): void {
    const done = z instanceof Float32Array && a instanceof Float32Array && this.reluInMemory(z, a);
    if (!done) this.fallback.relu(z, a);
  }

  /** d = g ⊙ 1[a > 0] */
  reluBackward(g: FloatArray, a: FloatArray, d: FloatArray): void {
    const done = g instanceof Float32Array && a instanceof Float32Array && d instanceof Float32Array && this.reluBackwardInMemory(g, a, d);
    if (!done) this.fallback.reluBackward(g, a, d);
  }

  // Element-wise operations without a WebAssembly version: the plain loops.
  add(x: FloatArray, z: FloatArray, y: FloatArray): void {
    this.fallback.add(x, z, y);
  }
  sub(x: FloatArray, z: FloatArray, y: FloatArray): void {
    this.fallback.sub(x, z, y);
  }
  hadamard(x: FloatArray, z: FloatArray, y: FloatArray): void {
    this.fallback.hadamard(x, z, y);
  }
  scale(x: FloatArray, s: number, y: FloatArray): void {
    this.fallback.scale(x, s, y);
  }
  transpose(x: FloatArray, y: FloatArray, m: number, n: number): void {
    this.fallback.transpose(x, y, m, n);
  }

  /** out[i, j] = a[i, j] + b[j] for an m×n a; false (nothing done) unless a and out are in memory. */
  private addRowVectorInMemory(a: Float32Array, b: Float32Array, out: Float32Array, m: number, n: number): boolean {
    const aAt = this.heap.addressOf(a), outAt = this.heap.addressOf(out);
    if (aAt < 0 || outAt < 0 || a.length < m * n || out.length < m * n || b.length < n) return false;
    const bAt = this.placeSmall(b, n);
    if (bAt < 0) return false;
    this.addRowVectorFn(m, n, aAt, bAt, outAt);
    return true;
  }

  /** out[j] = Σ_i a[i, j] for an m×n a; false (nothing done) unless a is in memory. */
  private sumRowsInMemory(a: Float32Array, out: Float32Array, m: number, n: number): boolean {
    const aAt = this.heap.addressOf(a);
    if (aAt < 0 || a.length < m * n || out.length < n) return false;
    const outHome = this.heap.addressOf(out);
    const outAt = outHome >= 0 ? outHome : this.placeSmall(null, n);
    if (outAt < 0) return false;
    this.sumRowsFn(m, n, aAt, outAt);
    if (outHome < 0) out.set(this.heap.f32.subarray(outAt >> 2, (outAt >> 2) + n));
    return true;
  }

  /** a = max(0, z) over a.length floats; false (nothing done) unless both are in memory. */
  private reluInMemory(z: Float32Array, a: Float32Array): boolean {
    const zAt = this.heap.addressOf(z), aAt = this.heap.addressOf(a);
    if (zAt < 0 || aAt < 0 || z.length < a.length) return false;
    this.reluForwardFn(a.length, zAt, aAt);
    return true;
  }

  /** d = g ⊙ 1[a > 0] over d.length floats; false (nothing done) unless all three are in memory. */
  private reluBackwardInMemory(g: Float32Array, a: Float32Array, d: Float32Array): boolean {
    const gAt = this.heap.addressOf(g), aAt = this.heap.addressOf(a), dAt = this.heap.addressOf(d);
    if (gAt < 0 || aAt < 0 || dAt < 0 || g.length < d.length || a.length < d.length) return false;
    this.reluBackwardFn(d.length, gAt, aAt, dAt);
    return true;
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

  // --- the three layouts ------------------------------------------------------------------------------

  /** Shapes and lengths; also does the empty cases. False when there is nothing left to compute. */
  private checked(op: string, a: Float32Array, aLen: number, b: Float32Array, bLen: number,
                  c: Float32Array, cLen: number, k: number): boolean {
    if (a.length < aLen || b.length < bLen || c.length < cLen) {
      throw new Error(`wasm ${op}: arrays too short for the shapes (A has ${a.length} of ${aLen}, B ${b.length} of ${bLen}, C ${c.length} of ${cLen})`);
    }
    if (cLen === 0) return false;
    if (k === 0) {
      c.fill(0, 0, cLen); // an empty sum
      return false;
    }
    return true;
  }

  /**
   * A·B (bps = n, bjs = 1) and A·Bᵀ (bps = 1, bjs = k); A is m×k row-major (ais = k, aps = 1).
   * Operands in memory are used in place. Otherwise B is copied once, and A and C go through in chunks of rows.
   */
  private byRows(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number,
                 ais: number, aps: number, bps: number, bjs: number): boolean {
    const heap = this.heap;
    const aHome = heap.addressOf(a), bHome = heap.addressOf(b), cHome = heap.addressOf(c);
    const bCopy = bHome < 0 ? k * n : 0, perRow = (aHome < 0 ? k : 0) + (cHome < 0 ? n : 0);
    const rows = perRow === 0 ? m : chunkLength(this.chunkFloats, m, bCopy, perRow, MR);
    const bBytes = align(4 * bCopy), aBytes = aHome < 0 ? align(4 * rows * k) : 0;
    const base = this.scratch(bBytes + aBytes + (cHome < 0 ? 4 * rows * n : 0));
    if (base < 0) return false;
    const f32 = heap.f32, kc = this.kBlock(k);
    const bAt = bHome >= 0 ? bHome : base, aBuf = base + bBytes, cBuf = aBuf + aBytes;
    if (bHome < 0) f32.set(b.subarray(0, k * n), bAt >> 2);
    for (let r0 = 0; r0 < m; r0 += rows) {
      const r1 = Math.min(m, r0 + rows);
      let aAt = aHome + 4 * r0 * k;
      if (aHome < 0) {
        f32.set(a.subarray(r0 * k, r1 * k), aBuf >> 2);
        aAt = aBuf;
      }
      const cAt = cHome >= 0 ? cHome + 4 * r0 * n : cBuf;
      this.compute(r1 - r0, n, k, kc, aAt, ais, aps, bAt, bps, bjs, cAt, n, 0);
      if (cHome < 0) c.set(f32.subarray(cBuf >> 2, (cBuf >> 2) + (r1 - r0) * n), r0 * n);
    }
    return true;
  }

  /**
   * Aᵀ·B, A stored k×m, B k×n. Operands in memory are used in place. Otherwise C stays in scratch memory
   * while the rows of A and B go through in chunks of whole k blocks, summed into C.
   */
  private byDepth(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number): boolean {
    const heap = this.heap;
    const aHome = heap.addressOf(a), bHome = heap.addressOf(b), cHome = heap.addressOf(c);
    const kc = this.kBlock(k); // chunks are whole k blocks, so the sums are grouped as without chunks
    const cCopy = cHome < 0 ? m * n : 0, perStep = (aHome < 0 ? m : 0) + (bHome < 0 ? n : 0);
    const depth = perStep === 0 ? k : chunkLength(this.chunkFloats, k, cCopy, perStep, kc);
    const cBytes = align(4 * cCopy), aBytes = aHome < 0 ? align(4 * depth * m) : 0;
    const base = this.scratch(cBytes + aBytes + (bHome < 0 ? 4 * depth * n : 0));
    if (base < 0) return false;
    const f32 = heap.f32;
    const cAt = cHome >= 0 ? cHome : base, aBuf = base + cBytes, bBuf = aBuf + aBytes;
    for (let p0 = 0; p0 < k; p0 += depth) {
      const p1 = Math.min(k, p0 + depth);
      let aAt = aHome + 4 * p0 * m, bAt = bHome + 4 * p0 * n;
      if (aHome < 0) {
        f32.set(a.subarray(p0 * m, p1 * m), aBuf >> 2);
        aAt = aBuf;
      }
      if (bHome < 0) {
        f32.set(b.subarray(p0 * n, p1 * n), bBuf >> 2);
        bAt = bBuf;
      }
      this.compute(m, n, p1 - p0, kc, aAt, 1, m, bAt, n, 1, cAt, n, p0 > 0 ? 1 : 0);
    }
    if (cHome < 0) c.set(f32.subarray(cAt >> 2, (cAt >> 2) + m * n));
    return true;
  }

  // --- threads ---------------------------------------------------------------------------------------

  /** One gemm call, split between the threads when it is large enough. All offsets are bytes in memory. */
  private compute(m: number, n: number, k: number, kc: number, a: number, ais: number, aps: number,
                  b: number, bps: number, bjs: number, c: number, ldc: number, acc: number): void {
    const work0 = CONTROL_BYTES;
    const pool = this.pool;
    if (pool === null || 2 * m * n * k < this.minThreadFlops) {
      this.gemm(m, n, k, kc, a, ais, aps, b, bps, bjs, c, ldc, acc, work0);
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
      this.gemm(m, n, k, kc, a, ais, aps, b, bps, bjs, c, ldc, acc, work0);
      return;
    }
    const task = this.task;
    task[0] = m; task[1] = n; task[2] = k; task[3] = kc;
    task[4] = a; task[5] = ais; task[6] = aps;
    task[7] = b; task[8] = bps; task[9] = bjs;
    task[10] = c; task[11] = ldc; task[12] = acc; task[13] = work0;
    task[14] = parts; task[15] = byRow ? 1 : 0; task[16] = unit; task[17] = this.workBytes;
    try {
      pool.run(task, this.gemm);
    } catch {
      // a worker failed: stop using threads and redo the whole product here
      pool.shutdown();
      this.gemm(m, n, k, kc, a, ais, aps, b, bps, bjs, c, ldc, acc, work0);
    }
  }

  // --- memory ----------------------------------------------------------------------------------------

  /** The scratch block, at least `bytes` long (0 needs none): its address, or −1 if memory is full. */
  private scratch(bytes: number): number {
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
  private placeSmall(array: Float32Array | null, length: number): number {
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

/** Threads a memory has scratch space for unless asked otherwise (~1.2 MB each, untouched until used). */
const DEFAULT_CAPACITY = 8;

/** How many rows (or depth steps) of a streamed operand fit beside the resident one in `budget` floats, in multiples of `unit`. */
function chunkLength(budget: number, total: number, residentFloats: number, floatsPerRow: number, unit: number): number {
  const fit = Math.floor(Math.max(0, budget - residentFloats) / floatsPerRow);
  if (fit >= total) return total;
  return Math.max(unit, fit - (fit % unit));
}

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
