// Float32 arrays that live inside WebAssembly memory, so the kernels read them where they are.
//
// WebAssembly code sees only its own linear memory. A Matrix in an ordinary Float32Array has to be copied
// in before each product and the result copied out: for a full-batch step that is the 188 MB training set
// twice, and the copies cost about as much as the element-wise work itself. So, while the wasm backend is
// active, the float32 matrices the library keeps (data sets, weights, layer buffers) are made in this heap: a
// Float32Array that is a view of the WebAssembly memory. JavaScript reads and writes it like any other array;
// the kernels use its address.
//
// Lifetime. Nobody frees a matrix by hand, so a block is given back when its array is garbage-collected
// (a FinalizationRegistry). That happens only between two turns of the event loop, and the collector does not
// see the size of a block, only its small array object: so only long-lived matrices belong here. A loop that
// makes a new matrix every time (a product without `out`, a clone) gets ordinary arrays, whose memory the
// collector sees and returns promptly. A view of the array must keep the block alive: `subarray` on a heap
// array (what Matrix.row and Matrix.rowRange use) returns a HeapFloat32Array that holds a reference to the
// array that owns the block. (A view made by hand from `.buffer` does not; the library never makes one.)
//
// Growing. The memory is shared (SharedArrayBuffer), so growing it never detaches arrays already handed
// out: their views stay valid, and the new bytes come with a new buffer object. `addressOf` recognises a
// view of any of them.
//
// When the heap cannot grow any more (its limit, see kernels.ts), allocate returns null and the caller
// makes an ordinary array: everything still works, through the copying path.
import type { WasmMemory } from "./api";

/** Bytes in a WebAssembly memory page. */
export const PAGE = 65536;
/** The memory grows in steps of this many bytes (64 pages). */
const GROW_STEP = 4 * 1024 * 1024;
const ALIGN = 64; // blocks start on a cache line (and a multiple of 16, for SIMD)

/** `bytes` rounded up to a whole cache line (64 bytes). */
export function align(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}

/** A Float32Array whose numbers are in a WasmHeap; its subarrays keep the block they view alive. */
export class HeapFloat32Array extends Float32Array {
  /**
   * The array that owns the block (undefined on the owner itself). Only there to keep it reachable; a private
   * field, so printing or JSON of a view does not show it (and setting it costs less than a non-enumerable
   * property: batches() takes a view of every row it gathers).
   */
  #owner: HeapFloat32Array | undefined;

  get owner(): HeapFloat32Array | undefined {
    return this.#owner;
  }

  // slice, map, filter … make ordinary arrays (copies need no heap)
  static get [Symbol.species](): Float32ArrayConstructor {
    return Float32Array;
  }

  subarray(begin?: number, end?: number): Float32Array {
    const plain = super.subarray(begin, end); // an ordinary Float32Array view (species above)
    const view = new HeapFloat32Array(plain.buffer, plain.byteOffset, plain.length);
    view.#owner = this.#owner ?? this;
    return view;
  }
}

interface Segment {
  start: number; // bytes, inclusive
  end: number; //   bytes, exclusive
}

export class WasmHeap {
  private readonly free: Segment[] = []; // unused segments, sorted by start, never adjacent
  private readonly blocks = new Map<number, number>(); // live blocks: start → bytes
  private readonly buffers = new WeakSet<object>(); // every buffer object the memory has shown us
  private readonly registry = new FinalizationRegistry<number>((start) => this.release(start));
  private view: Float32Array;
  private inUse = 0;

  /** Manages memory from byte `base` up to `maxBytes`, growing the memory as needed. */
  constructor(private readonly memory: WasmMemory, base: number, private readonly maxBytes: number) {
    const start = align(base), end = memory.buffer.byteLength;
    if (end <= start) throw new Error(`WasmHeap: the memory (${end} bytes) must reach past the heap's base (${start})`);
    this.free.push({ start, end });
    this.view = new Float32Array(memory.buffer);
    this.buffers.add(memory.buffer);
  }

  /** A float32 view of all of memory as it is now (renewed when the memory grows). */
  get f32(): Float32Array {
    return this.view;
  }

  /** Bytes in live blocks. */
  get bytesInUse(): number {
    return this.inUse;
  }

  /** A zero-filled array of `length` floats in the heap, given back when it is garbage-collected; null if the heap is full. */
  allocate(length: number): HeapFloat32Array | null {
    const start = this.reserve(4 * length);
    if (start < 0) return null;
    const buffer = this.memory.buffer;
    this.buffers.add(buffer);
    const array = new HeapFloat32Array(buffer, start, length);
    array.fill(0);
    this.registry.register(array, start);
    return array;
  }

  /** The byte address of an array that views this memory, or −1 for any other array. */
  addressOf(array: Float32Array | Int32Array): number {
    return this.buffers.has(array.buffer) ? array.byteOffset : -1;
  }

  /** A block of at least `bytes` bytes (scratch for the kernels): its start, or −1 if the heap is full. Give it back with release. */
  reserve(bytes: number): number {
    const size = align(Math.max(bytes, 1));
    let start = this.take(size);
    if (start < 0) {
      const last = this.free[this.free.length - 1];
      const top = this.memory.buffer.byteLength;
      const from = last !== undefined && last.end === top ? last.start : top; // a free tail counts
      if (!this.growTo(from + size)) return -1;
      start = this.take(size);
      if (start < 0) return -1;
    }
    this.blocks.set(start, size);
    this.inUse += size;
    return start;
  }

  /** Gives a block back (called by the FinalizationRegistry, or by whoever reserved it). */
  release(start: number): void {
    const size = this.blocks.get(start);
    if (size === undefined) return;
    this.blocks.delete(start);
    this.inUse -= size;
    this.insertFree(start, start + size);
  }

  /** First fit: the start of a free segment of `size` bytes, cut from the list; −1 if none is big enough. */
  private take(size: number): number {
    for (let i = 0; i < this.free.length; i++) {
      const s = this.free[i];
      if (s.end - s.start < size) continue;
      const start = s.start;
      if (s.end - s.start === size) this.free.splice(i, 1);
      else s.start += size;
      return start;
    }
    return -1;
  }

  private insertFree(start: number, end: number): void {
    const free = this.free;
    let i = 0;
    while (i < free.length && free[i].start < start) i++;
    const before = free[i - 1], after = free[i];
    if (before !== undefined && before.end === start) {
      before.end = end;
      if (after !== undefined && after.start === end) {
        before.end = after.end;
        free.splice(i, 1);
      }
    } else if (after !== undefined && after.start === end) {
      after.start = start;
    } else {
      free.splice(i, 0, { start, end });
    }
  }

  /**
   * Grows the memory to `bytes` rounded up to GROW_STEP (4 MiB): to what is used, not a quarter beyond it (a class
   * server holds one memory per student; issue 32). False past maxBytes.
   */
  private growTo(bytes: number): boolean {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return true;
    if (bytes > this.maxBytes) return false;
    const pages = Math.min(Math.floor(this.maxBytes / PAGE), Math.ceil(bytes / GROW_STEP) * (GROW_STEP / PAGE));
    try {
      this.memory.grow(pages - have / PAGE);
    } catch {
      return false; // the engine could not find the memory
    }
    const now = this.memory.buffer;
    this.buffers.add(now);
    this.view = new Float32Array(now);
    this.insertFree(have, now.byteLength);
    return true;
  }
}
