// Worker threads that run the WebAssembly product on the same (shared) memory as the main thread.
//
// Each worker instantiates the same compiled module on the same WebAssembly.Memory, then sleeps in
// Atomics.wait on its own slot of a small control block at the start of that memory. To run a product the
// main thread writes its description (the arguments of gemm and how to cut C into parts) into the control
// block, wakes the workers (Atomics.notify), and then every thread, the main one included, claims parts
// one at a time with Atomics.add on a shared counter until none is left. A thread that starts late or runs
// slowly (another program busy on its core) simply claims fewer parts. Each worker then writes the job
// number into its `done` field and wakes the main thread, which waits for all of them.
// A wake-up round trip costs ~15 µs here, against ~250 µs for half of a 64×784·784×256 product.
//
// Workers start lazily (the first large product), are unref'd (they never keep Node alive), and stop with
// shutdown(). Until a worker has said it is ready, the main thread simply does all the work.
import { Worker } from "worker_threads";
import type { WasmMemory, WasmModule } from "./api";

// --- the control block: Int32 indices from the start of memory (bytes 0–4095) ---------------------------
/**
 * The task being run: 14 of the 17 arguments of gemm, then how C is cut into parts (see runParts), the op (0) and
 * gemm's last three, bias, relu and mask; or, when OP is not 0, one of the rearrangements of gemm.wasm's convPart (op OP, its 11
 * arguments first, split into `parts`).
 */
const TASK = 16;
export const TASK_INTS = 22; //   m n k kc a ais aps b bps bjs c ldc acc work | parts byRow unit workStride | op | bias relu mask
const CLAIM = 40; //             the next part to claim (Atomics.add)
const FIRST_SLOT = 64; //        the workers' slots, SLOT_INTS each
const SLOT_INTS = 8;
export const CONTROL_BYTES = 4096;
export const MAX_WORKERS = (CONTROL_BYTES / 4 - FIRST_SLOT) / SLOT_INTS; // 504

/** Int32 fields of one worker's slot. */
const JOB = 0; //   job number written by the main thread (the worker sleeps until it changes)
const DONE = 1; //  the job number the worker finished last
const STATE = 2; // STARTING, READY, FAILED
const ERROR = 3; // 1 if the last job threw
const READY = 1, FAILED = 2;
const STOP = -1; // a job number that tells the worker to return

/** gemm of lib/engine/wasm/assembly/gemm.ts. */
export type GemmFn = (m: number, n: number, k: number, kc: number, a: number, ais: number, aps: number,
  b: number, bps: number, bjs: number, c: number, ldc: number, accumulate: number, work: number, bias: number, relu: number, mask: number) => void;
/** convPart of lib/engine/wasm/assembly/conv.ts: part `part` of `parts` of a rearrangement, 11 arguments after. */
export type ConvPartFn = (op: number, part: number, parts: number, a0: number, a1: number, a2: number, a3: number,
  a4: number, a5: number, a6: number, a7: number, a8: number, a9: number, a10: number) => void;

/**
 * Claims parts of the task in the control block until none is left, and computes each with gemm.
 * Part t of `parts` covers rows (byRow 1) or columns (0) [lo, hi) of C, whole multiples of `unit` except the
 * last; or (byRow 2) the terms [t·unit, (t+1)·unit) of the sum over k, into its own m×n block of partial sums at
 * c + t·m·n. Thread `thread` uses the scratch memory at work + thread·workStride.
 * The worker runs this same function: its source below is this one's text (Function.prototype.toString, as
 * compiled), with TASK and CLAIM defined beside it; so it may use no other name from this module.
 */
export function runParts(ctl: Int32Array, gemm: GemmFn, thread: number, conv: ConvPartFn): void {
  const op = ctl[TASK + 18];
  if (op !== 0) { // a rearrangement: part t is the t-th share of its images
    const n = ctl[TASK + 14];
    for (let t = Atomics.add(ctl, CLAIM, 1); t < n; t = Atomics.add(ctl, CLAIM, 1)) {
      conv(op, t, n, ctl[TASK], ctl[TASK + 1], ctl[TASK + 2], ctl[TASK + 3], ctl[TASK + 4], ctl[TASK + 5],
        ctl[TASK + 6], ctl[TASK + 7], ctl[TASK + 8], ctl[TASK + 9], ctl[TASK + 10]);
    }
    return;
  }
  const m = ctl[TASK], n = ctl[TASK + 1], k = ctl[TASK + 2], kc = ctl[TASK + 3];
  const a = ctl[TASK + 4], ais = ctl[TASK + 5], aps = ctl[TASK + 6];
  const b = ctl[TASK + 7], bps = ctl[TASK + 8], bjs = ctl[TASK + 9];
  const c = ctl[TASK + 10], ldc = ctl[TASK + 11], acc = ctl[TASK + 12], work = ctl[TASK + 13] + thread * ctl[TASK + 17];
  const parts = ctl[TASK + 14], byRow = ctl[TASK + 15] === 1, unit = ctl[TASK + 16];
  const bias = ctl[TASK + 19], relu = ctl[TASK + 20], mask = ctl[TASK + 21]; // 0: none (mask is laid out as C)
  const size = byRow ? m : n, units = Math.floor(size / unit);
  for (let t = Atomics.add(ctl, CLAIM, 1); t < parts; t = Atomics.add(ctl, CLAIM, 1)) {
    if (ctl[TASK + 15] === 2) { // by depth: part t sums terms [t·unit, …) of k into its own m×n block at c + t·m·n
      const p0 = t * unit, depth = Math.min(k, p0 + unit) - p0;
      gemm(m, n, depth, kc, a + 4 * p0 * aps, ais, aps, b + 4 * p0 * bps, bps, bjs, c + 4 * t * m * n, n, 0, work, 0, 0, 0);
      continue;
    }
    const lo = unit * Math.floor((units * t) / parts);
    const hi = t === parts - 1 ? size : unit * Math.floor((units * (t + 1)) / parts);
    if (byRow) gemm(hi - lo, n, k, kc, a + 4 * lo * ais, ais, aps, b, bps, bjs, c + 4 * lo * ldc, ldc, acc, work, bias, relu, mask === 0 ? 0 : mask + 4 * lo * ldc);
    else gemm(m, hi - lo, k, kc, a, ais, aps, b + 4 * lo * bjs, bps, bjs, c + 4 * lo, ldc, acc, work, bias === 0 ? 0 : bias + 4 * lo, relu, mask === 0 ? 0 : mask + 4 * lo);
  }
}

/** The worker's code, run with `eval: true` so no file has to be found (works in tsx, vitest and tslab). */
const WORKER_SOURCE = `
const { workerData } = require("worker_threads");
const { module, memory, slot, thread } = workerData; // slot: Int32 index of this worker's slot
const ctl = new Int32Array(memory.buffer, 0, ${CONTROL_BYTES / 4});
const TASK = ${TASK}, CLAIM = ${CLAIM};
${runParts.toString()}
let gemm, conv;
try {
  const fns = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error("abort"); } } }).exports;
  gemm = fns.gemm;
  conv = fns.convPart;
  Atomics.store(ctl, slot + ${STATE}, ${READY});
} catch (e) {
  Atomics.store(ctl, slot + ${STATE}, ${FAILED});
}
Atomics.notify(ctl, slot + ${STATE});
let seen = 0;
while (gemm !== undefined) {
  Atomics.wait(ctl, slot + ${JOB}, seen); // sleeps while the job number is still the one already done
  const job = Atomics.load(ctl, slot + ${JOB});
  if (job === seen) continue;
  if (job === ${STOP}) break;
  seen = job;
  try {
    runParts(ctl, gemm, thread, conv);
    ctl[slot + ${ERROR}] = 0;
  } catch (e) {
    ctl[slot + ${ERROR}] = 1;
  }
  Atomics.store(ctl, slot + ${DONE}, job);
  Atomics.notify(ctl, slot + ${DONE});
}
`;

interface PoolWorker {
  worker: Worker;
  slot: number; // Int32 index of its slot
  job: number; //  the last job number posted
  busy: boolean;
  alive: boolean;
  stopping: boolean;
}

/** How long the main thread waits for a worker before it gives up on threads (ms). */
const WORKER_TIMEOUT_MS = 60_000;

/**
 * Which control-block slot the next worker on a memory gets. Slots go round and are not re-used at once, so a
 * stopped worker that has not exited yet can never be handed a job meant for its successor.
 */
export interface SlotCounter {
  next: number;
}

export class WorkerPool {
  private readonly workers: PoolWorker[] = [];
  private readonly ctl: Int32Array;
  private broken = false;

  /** `size` workers; worker i is thread i + 1 (the main thread is thread 0) for the scratch memory it uses. */
  constructor(private readonly module: WasmModule, private readonly memory: WasmMemory, readonly size: number,
              private readonly slots: SlotCounter = { next: 0 }) {
    if (size > MAX_WORKERS) throw new Error(`WorkerPool: at most ${MAX_WORKERS} workers, asked for ${size}`);
    this.ctl = new Int32Array(memory.buffer, 0, CONTROL_BYTES / 4);
  }

  /** Starts the workers that are not running yet (returns at once; they become ready ~50–150 ms later). */
  start(): void {
    if (this.broken) return;
    for (let w = this.workers.length; w < this.size; w++) {
      const slot = FIRST_SLOT + (this.slots.next++ % MAX_WORKERS) * SLOT_INTS;
      this.ctl.fill(0, slot, slot + SLOT_INTS);
      let worker: Worker;
      try {
        worker = new Worker(WORKER_SOURCE, {
          eval: true,
          workerData: { module: this.module, memory: this.memory, slot, thread: w + 1 },
          execArgv: [], // not the parent's flags (e.g. --input-type=module would make this CommonJS code fail)
          stdout: false,
          stderr: false,
        });
      } catch {
        this.broken = true; // no worker threads here: everything runs on the main thread
        return;
      }
      const entry: PoolWorker = { worker, slot, job: 0, busy: false, alive: true, stopping: false };
      worker.unref(); // an idle pool never keeps the process alive
      worker.on("error", () => this.lose(entry));
      worker.on("exit", () => this.lose(entry));
      this.workers.push(entry);
    }
  }

  /** Whether the pool has workers (started, maybe not ready yet). */
  get started(): boolean {
    return this.workers.length > 0;
  }

  /** How many workers are ready to take a job now (never blocks). */
  readyCount(): number {
    let n = 0;
    for (const w of this.workers) if (w.alive && Atomics.load(this.ctl, w.slot + STATE) === READY) n++;
    return n;
  }

  /**
   * Runs the task (TASK_INTS numbers, see runParts) on the ready workers and the main thread together;
   * returns when every part is done. Throws if a worker failed; the caller then recomputes without threads.
   */
  run(task: Int32Array, gemm: GemmFn, conv: ConvPartFn): void {
    const ctl = this.ctl;
    ctl.set(task, TASK);
    Atomics.store(ctl, CLAIM, 0);
    for (const w of this.workers) {
      if (!w.alive || Atomics.load(ctl, w.slot + STATE) !== READY) continue;
      w.job = w.job >= 0x3fffffff ? 1 : w.job + 1;
      w.busy = true;
      Atomics.store(ctl, w.slot + JOB, w.job);
      Atomics.notify(ctl, w.slot + JOB, 1);
    }
    runParts(ctl, gemm, 0, conv); // the main thread claims parts too
    this.waitAll();
  }

  /** Stops every worker (a later start() makes new ones). */
  shutdown(): void {
    for (const w of this.workers.splice(0)) {
      w.alive = false;
      w.stopping = true;
      Atomics.store(this.ctl, w.slot + JOB, STOP);
      Atomics.notify(this.ctl, w.slot + JOB);
      void w.worker.terminate();
    }
  }

  private waitAll(): void {
    const ctl = this.ctl;
    let failed = false;
    for (const w of this.workers.slice()) {
      if (!w.busy) continue;
      const start = Date.now();
      for (;;) {
        const done = Atomics.load(ctl, w.slot + DONE);
        if (done === w.job) break;
        if (Atomics.wait(ctl, w.slot + DONE, done, 1000) === "timed-out" && Date.now() - start > WORKER_TIMEOUT_MS) {
          failed = true;
          this.lose(w);
          break;
        }
      }
      w.busy = false;
      if (ctl[w.slot + ERROR] !== 0) failed = true;
    }
    if (failed) throw new Error("wasm worker pool: a worker thread failed or stopped answering");
  }

  private lose(w: PoolWorker): void {
    if (w.stopping) return;
    w.alive = false;
    w.busy = false;
    const i = this.workers.indexOf(w);
    if (i >= 0) this.workers.splice(i, 1);
    // a pool that lost a worker for any reason other than shutdown is not trusted again
    this.broken = true;
  }
}
