// Reused buffers: a layer keeps its output and gradient matrices and writes into them batch after batch.
import { longLived, type DType, type Matrix } from "./matrix";

/**
 * A layer's output or gradient buffer, reused from call to call. It keeps the last few shapes it was asked
 * for, so that training batches, the short last batch of an epoch and evaluation chunks, taking turns, do not
 * make a new matrix each time (a large one made every epoch would wait for the garbage collector).
 */
export class Buffers {
  private readonly kept: Matrix[] = []; // most recently used first

  get(rows: number, cols: number, dtype: DType): Matrix {
    const kept = this.kept;
    for (let i = 0; i < kept.length; i++) {
      const m = kept[i];
      if (m.rows !== rows || m.cols !== cols || m.dtype !== dtype) continue;
      for (let j = i; j > 0; j--) kept[j] = kept[j - 1]; // to the front, without allocating
      kept[0] = m;
      return m;
    }
    if (kept.length === BUFFER_SHAPES) kept.pop();
    const m = longLived(rows, cols, dtype);
    kept.unshift(m);
    return m;
  }
}
const BUFFER_SHAPES = 3;


