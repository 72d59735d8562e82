// Float32 matrices that live in WebAssembly memory (lib/engine/wasm/heap.ts) and the kernels that read them in
// place: the heap's bookkeeping, products with every mix of in-memory and ordinary operands against the
// copying path, the element-wise passes against the JS loops (bit for bit, special values included), and
// the lifetime rule (a block comes back when its array is collected, not while a view of it lives).
import { describe, expect, it, afterAll } from "vitest";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import {
  Matrix,
  longLived,
  Dense,
  ReLU,
  matmul,
  loadMnist,
  addRowVector,
  sumRows,
  jsKernels,
  setBackend,
  backendInfo,
  wasmBackendKernels,
  softmaxCrossEntropy,
  Random,
  type Kernels,
} from "../lib/index";
import { activeKernels } from "../lib/engine/active";
import { WasmHeap, HeapFloat32Array } from "../lib/engine/wasm/heap";
import { wasmApi } from "../lib/engine/wasm/api";
import type { WasmKernels } from "../lib/engine/wasm/kernels";

const root = join(__dirname, "..");
const PAGE = 65536;

afterAll(() => {
  setBackend("wasm");
});

function memory(pages: number, maximum: number) {
  return new wasmApi!.Memory({ initial: pages, maximum, shared: true });
}

function randomArray(n: number, rng: Random, zeros = 0): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.next() < zeros ? 0 : rng.uniform(-1, 1);
  return a;
}

describe("WasmHeap", () => {
  it("hands out zero-filled, 64-byte-aligned views of the memory and knows its own arrays", () => {
    const mem = memory(2, 8);
    const heap = new WasmHeap(mem, 1000, 8 * PAGE);
    const a = heap.allocate(10)!, b = heap.allocate(3)!;
    expect(a).toBeInstanceOf(Float32Array);
    expect(a.length).toBe(10);
    expect(a.buffer).toBe(mem.buffer);
    expect(a.byteOffset).toBe(1024); // the base rounded up to a cache line
    expect(b.byteOffset).toBe(1088); // 40 bytes rounded up to 64
    expect(Array.from(a)).toEqual(new Array(10).fill(0));
    expect(heap.addressOf(a)).toBe(1024);
    expect(heap.addressOf(new Float32Array(10))).toBe(-1);
    expect(heap.bytesInUse).toBe(128);
  });

  it("re-uses a released block, merges neighbours, and zeroes what it hands out again", () => {
    const heap = new WasmHeap(memory(2, 8), 0, 8 * PAGE);
    const at = [heap.reserve(64), heap.reserve(64), heap.reserve(64)];
    expect(at).toEqual([0, 64, 128]);
    heap.release(at[1]);
    expect(heap.reserve(64)).toBe(64); // first fit: the hole
    heap.release(at[0]);
    heap.release(64);
    expect(heap.reserve(128)).toBe(0); // the two holes merged into one
    heap.release(0);
    const a = heap.allocate(16)!;
    a.fill(7);
    heap.release(heap.addressOf(a));
    const again = heap.allocate(16)!;
    expect(again.byteOffset).toBe(a.byteOffset);
    expect(Array.from(again)).toEqual(new Array(16).fill(0));
    heap.release(12345); // not a block: ignored
    expect(heap.bytesInUse).toBe(64 + 64); // at[2] and `again`
  });

  it("grows the memory when full; arrays handed out before stay valid; past its limit it says null", () => {
    const mem = memory(1, 4);
    const heap = new WasmHeap(mem, 0, 4 * PAGE);
    const first = heap.allocate(1000)!;
    first.fill(3);
    const big = heap.allocate(3 * 16384)!; // more than the first page holds
    expect(mem.buffer.byteLength).toBeGreaterThan(PAGE);
    expect(big.buffer).not.toBe(first.buffer); // a new buffer object over the grown memory …
    expect(heap.addressOf(first)).toBe(0); //        … and both are still recognised
    expect(heap.addressOf(big)).toBeGreaterThan(0);
    expect(first[999]).toBe(3);
    big[0] = 5;
    expect(heap.f32[big.byteOffset / 4]).toBe(5);
    expect(heap.allocate(4 * 16384)).toBeNull(); // would pass 4 pages
    expect(heap.reserve(4 * PAGE)).toBe(-1);
  });

  it("a subarray is a HeapFloat32Array that keeps the owner alive; slice and map make ordinary arrays", () => {
    const heap = new WasmHeap(memory(1, 2), 0, 2 * PAGE);
    const a = heap.allocate(100)!;
    a[7] = 1.5;
    const row = a.subarray(5, 10);
    expect(row).toBeInstanceOf(HeapFloat32Array);
    expect((row as HeapFloat32Array).owner).toBe(a);
    expect(((row as HeapFloat32Array).subarray(1) as HeapFloat32Array).owner).toBe(a); // a view of a view: the same owner
    expect(row[2]).toBe(1.5);
    expect(heap.addressOf(row)).toBe(a.byteOffset + 20);
    expect(Object.keys(row)).toEqual(["0", "1", "2", "3", "4"]); // the owner is not enumerable: printing a row shows the row
    expect(JSON.stringify(row)).toBe(JSON.stringify(new Float32Array(row)));
    const copy = a.slice(0, 10);
    expect(copy.constructor).toBe(Float32Array);
    expect(heap.addressOf(copy)).toBe(-1);
    expect(a.map((v) => v * 2).constructor).toBe(Float32Array);
  });

  it("refuses a memory that does not reach past its base", () => {
    expect(() => new WasmHeap(memory(1, 2), PAGE, 2 * PAGE)).toThrow(/must reach past the heap's base/);
  });
});

describe("products read operands in WebAssembly memory in place", () => {
  const single = wasmBackendKernels({ threads: 1 })!;
  const threaded = wasmBackendKernels({ threads: 3, minThreadFlops: 1, chunkFloats: 5000 })!;
  afterAll(() => threaded.shutdown());
  type Op = "matmul" | "matmulTransA" | "matmulTransB";
  const sizes = (op: Op, m: number, k: number, n: number) =>
    op === "matmulTransB" ? [m * k, n * k, m * n] : op === "matmulTransA" ? [k * m, k * n, m * n] : [m * k, k * n, m * n];

  for (const [name, kernels] of [["one thread", single], ["3 threads, chunks", threaded]] as const) {
    it(`every mix of in-memory and ordinary A, B, C gives bit for bit the copying path's C (${name})`, () => {
      for (const op of ["matmul", "matmulTransA", "matmulTransB"] as const) {
        for (const [m, k, n] of [[64, 300, 256], [300, 64, 20], [41, 77, 300]] as const) {
          const [aLen, bLen, cLen] = sizes(op, m, k, n);
          const rng = new Random(m + k + n);
          const a = randomArray(aLen, rng, 0.5), b = randomArray(bLen, rng);
          const want = new Float32Array(cLen);
          single[op](a, b, want, m, k, n); // all three ordinary arrays: copied in and out
          for (let mix = 1; mix < 8; mix++) {
            const place = (x: Float32Array, bit: number) => {
              if ((mix & bit) === 0) return x.slice();
              const home = kernels.allocate(x.length)!;
              home.set(x);
              expect(kernels.isResident(home)).toBe(true);
              return home;
            };
            const c = place(new Float32Array(cLen).fill(NaN), 4);
            kernels[op](place(a, 1), place(b, 2), c, m, k, n);
            expect(Buffer.from(new Uint8Array(c.buffer, c.byteOffset, c.byteLength)).equals(Buffer.from(want.buffer)),
              `${op} ${m}×${k}×${n}, in memory: ${mix & 1 ? "A " : ""}${mix & 2 ? "B " : ""}${mix & 4 ? "C" : ""}`).toBe(true);
          }
        }
      }
    });
  }

  it("when memory is full, new matrices are ordinary arrays and products still come out right", () => {
    const small = wasmBackendKernels({ threads: 1, maxMemoryBytes: 16 << 20 })!; // ~10 MB of it is the threads' scratch
    const held: Float32Array[] = [];
    for (let i = 0; i < 20; i++) {
      const x = small.allocate(1 << 18); // 1 MB each
      if (x === null) break;
      held.push(x);
    }
    expect(held.length).toBeGreaterThan(2);
    expect(held.length).toBeLessThan(16); // the limit was reached
    expect(small.allocate(1 << 18)).toBeNull();
    const rng = new Random(9);
    const m = 512, k = 784, n = 64; // 1.6 MB of A: more than is left, so the product falls back to the JS loops
    const a = randomArray(m * k, rng, 0.5), b = randomArray(k * n, rng);
    const c = new Float32Array(m * n), want = new Float32Array(m * n);
    small.matmul(a, b, c, m, k, n);
    single.matmul(a, b, want, m, k, n);
    for (let i = 0; i < c.length; i++) expect(Math.abs(c[i] - want[i])).toBeLessThan(1e-4);
  });
});

describe("element-wise passes in WebAssembly give exactly what the JS loops give", () => {
  // NaN, ±∞, ±0, the largest float32 and subnormals, among ordinary numbers
  const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 3.4028234663852886e38, -3.4028234663852886e38, 1e-45, -1e-45, 1.5, -2.5];

  function values(n: number, rng: Random): Float32Array {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = i % 7 === 3 ? SPECIAL[(i * 5) % SPECIAL.length] : rng.uniform(-2, 2);
    return a;
  }

  /** A resident matrix (in WebAssembly memory under wasm) holding `values`. */
  function resident(values: Float32Array, m: number, n: number): Matrix {
    const x = longLived(m, n);
    x.data.set(values);
    return x;
  }

  /** Runs f once on the JS backend and once on wasm (with matrices made by each), returns both results. */
  function both(make: () => Matrix[], f: (ms: Matrix[]) => Matrix): [Float32Array, Float32Array] {
    setBackend("js");
    const js = f(make()).data.slice() as Float32Array;
    setBackend("wasm");
    const ms = make();
    const kernels = activeKernels() as Kernels & WasmKernels;
    for (const x of ms) if (x.data.length >= 1024) expect(kernels.isResident(x.data as Float32Array)).toBe(true);
    return [js, f(ms).data.slice() as Float32Array];
  }

  function expectSame(got: Float32Array, want: Float32Array, what: string): void {
    expect(got.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) {
      if (!Object.is(got[i], want[i])) throw new Error(`${what}: entry ${i} is ${got[i]}, the JS loop gives ${want[i]}`);
    }
  }

  const SHAPES = [[1024, 1], [256, 5], [33, 63], [17, 65], [8, 130], [1, 2049], [40, 256], [576, 16], [64, 52]] as const;

  it("addRowVector (Z = X·W + b) and sumRows (db = Σ_rows dZ), odd widths included", () => {
    for (const [m, n] of SHAPES) {
      const rng = new Random(m * n);
      const x = values(m * n, rng), b = values(n, rng);
      const make = () => [resident(x, m, n), resident(b, 1, n)];
      const [jsAdd, wasmAdd] = both(make, ([a, v]) => addRowVector(a, v));
      expectSame(wasmAdd, jsAdd, `addRowVector ${m}×${n}`);
      const [jsInPlace, wasmInPlace] = both(make, ([a, v]) => addRowVector(a, v, a));
      expectSame(wasmInPlace, jsInPlace, `addRowVector in place ${m}×${n}`);
      const finite = x.map((v) => (Number.isFinite(v) && Math.abs(v) < 1e30 ? v : 0.25)); // sums of ±∞ would be NaN either way
      const [jsSum, wasmSum] = both(() => [resident(finite, m, n)], ([a]) => sumRows(a));
      expectSame(wasmSum, jsSum, `sumRows ${m}×${n}`);
    }
  });

  it("ReLU forward (A = max(0, Z)) and backward (dZ = dA ⊙ 1[A > 0]), NaN, ±∞ and −0 included", () => {
    for (const [m, n] of SHAPES) {
      const rng = new Random(m + n);
      const z = values(m * n, rng), g = values(m * n, rng);
      const run = ([zm, gm]: Matrix[]) => {
        const relu = new ReLU();
        const a = relu.forward(zm).clone();
        const dz = relu.backward(gm);
        return Matrix.fromArray([...a.data, ...dz.data], 2 * m, n);
      };
      const [js, wasm] = both(() => [resident(z, m, n), resident(g, m, n)], run);
      expectSame(wasm, js, `ReLU ${m}×${n}`);
    }
  });

  it("an operand outside its memory goes to the plain loops, with the same numbers", () => {
    setBackend("wasm");
    const k = activeKernels() as Kernels & WasmKernels;
    const rng = new Random(5);
    const plain = Float32Array.from({ length: 2048 }, () => rng.uniform(-1, 1));
    const home = k.allocate(2048)!, want = new Float32Array(2048);
    expect(k.isResident(plain)).toBe(false);
    expect(k.isResident(home)).toBe(true);
    k.relu(plain, home);
    jsKernels.relu(plain, want);
    expectSame(home, want, "relu from an ordinary array into memory");
    const out = new Float32Array(2048), wantOut = new Float32Array(2048);
    k.reluBackward(plain, home, out);
    jsKernels.reluBackward(plain, want, wantOut);
    expectSame(out, wantOut, "reluBackward into an ordinary array");
    const sums = new Float32Array(256), wantSums = new Float32Array(256);
    k.sumRows(plain, sums, 8, 256);
    jsKernels.sumRows(plain, wantSums, 8, 256);
    expectSame(sums, wantSums, "sumRows of an ordinary array");
  });
});

describe("matrices in WebAssembly memory, seen from the library", () => {
  it("resident matrices of 1,024 numbers or more go there under wasm; other matrices are ordinary arrays", () => {
    setBackend("wasm");
    const k = activeKernels() as Kernels & WasmKernels;
    const before = backendInfo().matrixBytes;
    const big = longLived(64, 784);
    const small = longLived(1, 256);
    const f64 = longLived(64, 784, "float64");
    expect(k.isResident(big.data as Float32Array)).toBe(true);
    expect(backendInfo().matrixBytes - before).toBeGreaterThanOrEqual(64 * 784 * 4);
    expect(k.isResident(small.data as Float32Array)).toBe(false);
    expect(f64.data).toBeInstanceOf(Float64Array);
    expect(k.isResident(big.rowRange(3, 10).data as Float32Array)).toBe(true); // a view stays in place
    expect(Array.from(big.data.subarray(0, 3))).toEqual([0, 0, 0]);
    // what is made and dropped in a loop stays ordinary (the garbage collector sees its size): clones, results
    expect(k.isResident(big.clone().data as Float32Array)).toBe(false);
    expect(k.isResident(Matrix.zeros(64, 784).data as Float32Array)).toBe(false);
    expect(k.isResident(matmul(big, Matrix.zeros(784, 16)).data as Float32Array)).toBe(false);
    // what the library keeps is resident: a data set, a layer's weights and outputs
    const data = loadMnist("train", { limit: 50 });
    expect(k.isResident(data.images.data as Float32Array)).toBe(true);
    const dense = new Dense(784, 32);
    expect(k.isResident(dense.weights.data as Float32Array)).toBe(true);
    expect(k.isResident(dense.forward(data.images).data as Float32Array)).toBe(true);
    setBackend("js");
    const plain = longLived(64, 784);
    expect(plain.data.constructor).toBe(Float32Array);
    expect(backendInfo().matrixBytes).toBe(0);
    setBackend("wasm");
  });

  it("a loop that makes a new product every time does not fill WebAssembly memory", () => {
    setBackend("wasm");
    const x = longLived(512, 784), w = longLived(784, 256);
    const before = backendInfo().memoryBytes;
    for (let i = 0; i < 50; i++) matmul(x, w); // 50 results of 0.5 MB, dropped at once
    expect(backendInfo().memoryBytes - before).toBeLessThan(4 << 20);
  });

  it("a small memory limit works with one thread (scratch is reserved only for the threads asked for)", () => {
    const small = wasmBackendKernels({ threads: 1, maxMemoryBytes: 4 << 20 })!;
    expect(small.capacity).toBe(1);
    const a = new Float32Array(64 * 784).fill(1), b = new Float32Array(784 * 8).fill(0.5), c = new Float32Array(64 * 8);
    small.matmul(a, b, c, 64, 784, 8);
    expect(c[0]).toBe(392);
  });

  it("setBackend with another thread count keeps the same memory: matrices made before are still read in place", () => {
    setBackend("wasm", { threads: 2 });
    const x = longLived(300, 784);
    const before = activeKernels() as Kernels & WasmKernels;
    setBackend("wasm", { threads: 1 });
    const after = activeKernels() as Kernels & WasmKernels;
    expect(after).toBe(before);
    expect(after.threads).toBe(1);
    expect(after.isResident(x.data as Float32Array)).toBe(true);
    setBackend("wasm", { threads: 2 });
    expect(backendInfo().threads).toBe(2);
    expect(after.isResident(x.data as Float32Array)).toBe(true);
    expect(() => after.setThreads(after.capacity + 1)).toThrow(/from 1 to/);
  });

  it("two different matrices in the one memory are not 'shared memory' to the losses; the same one is", () => {
    setBackend("wasm");
    const rng = new Random(3);
    const logits = longLived(128, 10);
    logits.data.set(randomArray(128 * 10, rng));
    const targets = Matrix.zeros(128, 10);
    for (let i = 0; i < 128; i++) targets.set(i, i % 10, 1);
    const grad = longLived(128, 10);
    const k = activeKernels() as Kernels & WasmKernels;
    expect(k.isResident(logits.data as Float32Array) && k.isResident(grad.data as Float32Array)).toBe(true);
    expect(logits.data.buffer).toBe(grad.data.buffer); // one memory
    expect(() => softmaxCrossEntropy(logits, targets, grad)).not.toThrow();
    expect(() => softmaxCrossEntropy(logits, targets, logits)).toThrow(/shares memory/);
  });

  it("a block comes back when its matrix is collected, but not while a row view of it lives", () => {
    const script = `
      import { longLived, backendInfo } from "./lib/index";
      const settle = async () => { for (let i = 0; i < 5; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); } };
      const base = backendInfo().matrixBytes;
      let m = longLived(1000, 1000);
      m.data.fill(2);
      const row = m.row(999);
      m = null;
      await settle();
      const whileViewed = backendInfo().matrixBytes - base;
      const other = longLived(1000, 1000); // must not land on the viewed block
      other.data.fill(9);
      const rowIntact = row.every((v) => v === 2);
      await settle();
      const withOther = backendInfo().matrixBytes - base;
      console.log(JSON.stringify({ whileViewed, rowIntact, withOther, rowLength: row.length }));
      `;
    const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", "--input-type=module", "-e", script], {
      cwd: root, env: { ...process.env, MNIST_BACKEND: "wasm" }, encoding: "utf8", timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
    expect(out.whileViewed).toBeGreaterThanOrEqual(4_000_000); // the row keeps the whole block
    expect(out.rowIntact).toBe(true);
    expect(out.withOther).toBeGreaterThanOrEqual(8_000_000);
    expect(out.rowLength).toBe(1000);

    const freed = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", "--input-type=module", "-e", `
      import { longLived, backendInfo } from "./lib/index";
      const base = backendInfo().matrixBytes;
      const settle = async () => { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); };
      for (let i = 0; i < 20; i++) { // 80 MB made and dropped, with a collection after every other one
        longLived(1000, 1000).data.fill(i);
        if (i % 2 === 1) await settle();
      }
      for (let i = 0; i < 10 && backendInfo().matrixBytes - base > 8_000_000; i++) await settle();
      console.log(backendInfo().matrixBytes - base, backendInfo().memoryBytes);`], {
      cwd: root, env: { ...process.env, MNIST_BACKEND: "wasm" }, encoding: "utf8", timeout: 60_000,
    });
    expect(freed.status, freed.stderr).toBe(0);
    const [live, memoryBytes] = freed.stdout.trim().split("\n").pop()!.split(" ").map(Number);
    expect(live).toBeLessThanOrEqual(8_000_000); // the dropped matrices were given back …
    expect(memoryBytes).toBeLessThan(80_000_000); // … and their memory re-used, not grown for each
  });
});
