// The pool of buffers that batches() and evaluateDataset lend for the length of an epoch or an evaluation, by
// shape: a notebook that calls batches() afresh in a loop reuses one buffer instead of leaving one behind each time
// for the garbage collector (in WebAssembly memory, which never shrinks: 32 MiB of them in chapter 5's
// gradient-noise cell).
//
// It holds them weakly: a buffer no one has taken back by the time the garbage collector looks is collected as
// before (and its WebAssembly block given back). Within one turn of the event loop (a notebook cell) a buffer given
// back stays alive (WeakRef's rule), so it is reused.
import { longLived, type Matrix } from "../core/matrix";

const pool = new Map<string, WeakRef<Matrix>[]>();
const POOL_SHAPES = 16; // shapes remembered; past this the empty entries are dropped
const lastTaker = new WeakMap<Matrix, object>(); // who took each buffer last (and so wrote what it holds)

/**
 * A rows × cols buffer from the pool, or a new one. `holdsWhatTakerWrote` is true when the last to take this
 * buffer was `taker` itself: nobody has written into it since (a full batch converted once, taken again next epoch).
 */
export function takeBuffer(rows: number, cols: number, dtype: Matrix["dtype"], taker: object = {}): { buffer: Matrix; holdsWhatTakerWrote: boolean } {
  const kept = pool.get(`${rows}x${cols} ${dtype}`);
  let buffer: Matrix | undefined;
  while (buffer === undefined && kept !== undefined && kept.length > 0) buffer = kept.pop()!.deref();
  buffer ??= longLived(rows, cols, dtype);
  const holdsWhatTakerWrote = lastTaker.get(buffer) === taker;
  lastTaker.set(buffer, taker);
  return { buffer, holdsWhatTakerWrote };
}

/** Give a buffer back to the pool (its content stays until someone else takes it). */
export function giveBuffer(m: Matrix): void {
  const key = `${m.rows}x${m.cols} ${m.dtype}`;
  let kept = pool.get(key);
  if (kept === undefined) {
    if (pool.size >= POOL_SHAPES) for (const [k, refs] of pool) if (refs.every((r) => r.deref() === undefined)) pool.delete(k);
    pool.set(key, (kept = []));
  }
  if (kept.length < 4) kept.push(new WeakRef(m));
}
