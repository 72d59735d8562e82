// The WebAssembly implementation of GemmKernels (see lib/matrix.ts): the same three products as the
// plain TypeScript loops, computed by lib/wasm/gemm.wasm (source: lib/wasm/assembly/gemm.ts).
//
// Memory. A Matrix keeps its numbers in an ordinary Float32Array, which WebAssembly cannot see: it
// only reads its own linear memory. So each product copies its operands into a scratch region of that
// memory, runs, and copies C back. The copies are memcpy (TypedArray.set): ~20 GB/s while the data is in
// cache, 3–8 GB/s from main memory. Measured: about 10 % of an epoch at batch 64 (~0.2 ms a step: W1 in,
// dW1 out, X twice) and 15 % of a full-batch step. We never keep a copy of an operand between calls
// (e.g. the weights): nothing tells us whether the caller changed it in between.
// Operands larger than CHUNK_FLOATS are streamed through in chunks, so memory stays bounded
// (the full 60,000×784 training set goes through in slices of ~10,000 rows).
//
// Threads. Products of at least `minThreadFlops` are split between the main thread and the worker
// threads of lib/wasm/pool.ts, by rows of C (or by columns when C is wide and short, like a 64×256
// batch), in parts of whole 4×8 register tiles that the threads claim one at a time. Every entry of C is
// summed in the same order whatever the split, so the result does not depend on the number of threads.
import type { GemmKernels } from "../matrix";
import { WorkerPool, CONTROL_BYTES, MAX_WORKERS, TASK_INTS, type GemmFn } from "./pool";
import { wasmApi, type WasmMemory, type WasmModule } from "./api";

const PAGE = 65536; // bytes in a WebAssembly memory page
const MAX_PAGES = 16384; // the memory never grows beyond 1 GiB; a product that would need more uses the fallback
const CHUNK_FLOATS = 1 << 23; // 8 Mi floats (32 MB): larger operands go through in chunks
const MR = 4, NR = 8; // the register tile of gemm.ts: thread splits are multiples of it


export interface WasmKernelsOptions {
  /** threads in all, the main thread included (default: the machine's cores, at most 8) */
  threads?: number;
  /** products with fewer floating-point operations (2·m·n·k) stay on the main thread */
  minThreadFlops?: number;
  /** operands larger than this many floats go through memory in chunks (default 8 Mi; tests make it small) */
  chunkFloats?: number;
}

/** A product that does not fit (more than 1 GiB of operands) or whose threads failed goes here. */
type Fallback = GemmKernels;

export class WasmKernels implements GemmKernels {
  readonly name = "wasm";
  /** Threads in all, the main thread included. */
  readonly threads: number;
  minThreadFlops: number;
  private readonly chunkFloats: number;
  private readonly memory: WasmMemory;
  private readonly gemm: GemmFn;
  private readonly kBlock: (k: number) => number;
  private readonly addScaledFn: (n: number, a: number, b: number, s: number, out: number) => void;
  private readonly workBytes: number;
  private readonly operandBase: number; // byte offset where operands go
  private f32: Float32Array; // a view of all of memory (renewed when memory grows)
  private readonly pool: WorkerPool | null;
  private readonly task = new Int32Array(TASK_INTS);

  constructor(module: WasmModule, private readonly fallback: Fallback, options: WasmKernelsOptions = {}) {
    this.threads = Math.max(1, Math.min(options.threads ?? 1, MAX_WORKERS + 1));
    this.minThreadFlops = options.minThreadFlops ?? DEFAULT_MIN_THREAD_FLOPS;
    this.chunkFloats = options.chunkFloats ?? CHUNK_FLOATS;
    const workers = this.threads - 1;
    // a one-page instance to read WORK_BYTES, then the real memory
    const probe = new (api().Instance)(module, { env: { memory: sharedMemory(1, 1), abort } });
    this.workBytes = (probe.exports.WORK_BYTES as { value: number }).value;
    this.operandBase = CONTROL_BYTES + this.threads * this.workBytes;
    this.memory = sharedMemory(Math.ceil((this.operandBase + (1 << 20)) / PAGE), MAX_PAGES);
    const instance = new (api().Instance)(module, { env: { memory: this.memory, abort } });
    this.gemm = instance.exports.gemm as GemmFn;
    this.kBlock = instance.exports.kBlock as (k: number) => number;
    this.addScaledFn = instance.exports.addScaled as (n: number, a: number, b: number, s: number, out: number) => void;
    this.f32 = new Float32Array(this.memory.buffer);
    this.pool = workers > 0 ? new WorkerPool(module, this.memory, workers) : null;
  }

  /** C[m×n] = A[m×k]·B[k×n] */
  matmul(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number): void {
    if (!this.checked("matmul", a, m * k, b, k * n, c, m * n, k)) return;
    if (!this.byRows(a, b, c, m, k, n, k, 1, n, 1)) this.fallback.matmul(a, b, c, m, k, n);
  }

  /** C[m×n] = Aᵀ·B, A stored k×m, B k×n */
  matmulTransA(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number): void {
    if (!this.checked("matmulTransA", a, k * m, b, k * n, c, m * n, k)) return;
    if (!this.byDepth(a, b, c, m, k, n)) this.fallback.matmulTransA(a, b, c, m, k, n);
  }

  /** C[m×n] = A·Bᵀ, A m×k, B stored n×k */
  matmulTransB(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number): void {
    if (!this.checked("matmulTransB", a, m * k, b, n * k, c, m * n, k)) return;
    if (!this.byRows(a, b, c, m, k, n, k, 1, 1, k)) this.fallback.matmulTransB(a, b, c, m, k, n);
  }

  /**
   * out = a + s·b, entry by entry over out.length floats (the update W ← W − α·dW is addScaled(W, dW, −α, W)).
   * a, b and out may be the same array. Computed in float32 (the JS loop rounds once, from float64; the two
   * can differ in the last bit).
   */
  addScaled(a: Float32Array, b: Float32Array, s: number, out: Float32Array): void {
    const n = out.length;
    if (a.length < n || b.length < n) {
      throw new Error(`wasm addScaled: a has ${a.length} and b ${b.length} numbers, out needs ${n}`);
    }
    const chunk = Math.max(4, Math.floor(this.chunkFloats / 2));
    const aAt = this.operandBase, bAt = align(aAt + 4 * Math.min(n, chunk));
    if (n === 0) return;
    if (!this.ensure(bAt + 4 * Math.min(n, chunk))) {
      for (let i = 0; i < n; i++) out[i] = a[i] + s * b[i];
      return;
    }
    const f32 = this.f32;
    for (let i0 = 0; i0 < n; i0 += chunk) {
      const i1 = Math.min(n, i0 + chunk);
      f32.set(a.subarray(i0, i1), aAt >> 2);
      f32.set(b.subarray(i0, i1), bAt >> 2);
      this.addScaledFn(i1 - i0, aAt, bAt, s, aAt);
      out.set(f32.subarray(aAt >> 2, (aAt >> 2) + (i1 - i0)), i0);
    }
  }

  /** Bytes of WebAssembly memory in use, and threads ready now. */
  stats(): { memoryBytes: number; threads: number; workersReady: number } {
    return { memoryBytes: this.memory.buffer.byteLength, threads: this.threads, workersReady: this.pool?.readyCount() ?? 0 };
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
   * A·B (bps = n, bjs = 1) and A·Bᵀ (bps = 1, bjs = k): B is copied once, A and C go through in chunks of rows.
   * A is m×k row-major (ais = k, aps = 1).
   */
  private byRows(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number,
                 ais: number, aps: number, bps: number, bjs: number): boolean {
    const rows = chunkLength(this.chunkFloats, m, k * n, k + n, MR);
    const bAt = this.operandBase, aAt = align(bAt + 4 * k * n), cAt = align(aAt + 4 * rows * k);
    if (!this.ensure(cAt + 4 * rows * n)) return false;
    const f32 = this.f32, kc = this.kBlock(k);
    f32.set(b.subarray(0, k * n), bAt >> 2);
    for (let r0 = 0; r0 < m; r0 += rows) {
      const r1 = Math.min(m, r0 + rows);
      f32.set(a.subarray(r0 * k, r1 * k), aAt >> 2);
      this.compute(r1 - r0, n, k, kc, aAt, ais, aps, bAt, bps, bjs, cAt, n, 0);
      c.set(f32.subarray(cAt >> 2, (cAt >> 2) + (r1 - r0) * n), r0 * n);
    }
    return true;
  }

  /** Aᵀ·B: C (m×n) stays in memory while the rows of A (k×m) and B (k×n) go through in chunks, summed into C. */
  private byDepth(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number): boolean {
    const kc = this.kBlock(k); // chunks are whole k blocks, so the sums are grouped as without chunks
    const depth = chunkLength(this.chunkFloats, k, m * n, m + n, kc);
    const cAt = this.operandBase, aAt = align(cAt + 4 * m * n), bAt = align(aAt + 4 * depth * m);
    if (!this.ensure(bAt + 4 * depth * n)) return false;
    const f32 = this.f32;
    for (let p0 = 0; p0 < k; p0 += depth) {
      const p1 = Math.min(k, p0 + depth);
      f32.set(a.subarray(p0 * m, p1 * m), aAt >> 2);
      f32.set(b.subarray(p0 * n, p1 * n), bAt >> 2);
      this.compute(m, n, p1 - p0, kc, aAt, 1, m, bAt, n, 1, cAt, n, p0 > 0 ? 1 : 0);
    }
    c.set(f32.subarray(cAt >> 2, (cAt >> 2) + m * n));
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

  /** Grows memory to at least `bytes`; false if that would pass MAX_PAGES. */
  private ensure(bytes: number): boolean {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return true;
    const pages = Math.ceil(bytes / PAGE);
    if (pages > MAX_PAGES) return false;
    // grow by at least a quarter, so that a slowly growing batch size does not grow it every call
    const want = Math.min(MAX_PAGES, Math.max(pages, Math.ceil((have / PAGE) * 1.25)));
    this.memory.grow(want - have / PAGE);
    this.f32 = new Float32Array(this.memory.buffer);
    return true;
  }
}

/**
 * Products smaller than this many floating-point operations run on the main thread only: waking a worker
 * and waiting for it costs ~15–30 µs, which pays once the product takes ~150 µs (measured; see bench/train.ts).
 */
export const DEFAULT_MIN_THREAD_FLOPS = 4_000_000;

/** How many rows (or depth steps) of a streamed operand fit beside the resident one in `budget` floats, in multiples of `unit`. */
function chunkLength(budget: number, total: number, residentFloats: number, floatsPerRow: number, unit: number): number {
  const fit = Math.floor(Math.max(0, budget - residentFloats) / floatsPerRow);
  if (fit >= total) return total;
  return Math.max(unit, fit - (fit % unit));
}

function align(bytes: number): number {
  return Math.ceil(bytes / 64) * 64; // 64 bytes: a cache line
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
