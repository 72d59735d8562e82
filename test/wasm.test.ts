// The WebAssembly backend: every kernel against the plain TypeScript loops and an exact (float64) sum,
// on shapes chosen to hit every edge of the SIMD/blocking code and every path of the JS side (chunks,
// threads); the committed gemm.wasm against a fresh build of its source; and training through it.
import { describe, expect, it, afterAll } from "vitest";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Matrix,
  matmul,
  matmulTransA,
  matmulTransB,
  jsKernels,
  type Kernels,
  setBackend,
  getBackend,
  backendInfo,
  wasmBackendKernels,
  Random,
  Sequential,
  Dense,
  ReLU,
  softmaxCrossEntropy,
  gradcheckNetwork,
  loadMnist,
  oneHot,
} from "../lib/index";
import { activeKernels } from "../lib/engine/active";
import { findWasmFile } from "../lib/engine/wasm/load";
import { buildGemmWasm, WASM_OUTPUT, WASM_RELAXED_OUTPUT } from "../scripts/generate/build-wasm";
import { compileToCommonJs } from "./commonjs";
import { exact, expectNearExact, type ProductOp as Op } from "./exact-product";

const OPS: Op[] = ["matmul", "matmulTransA", "matmulTransB"];
const root = join(__dirname, "..");

// The two builds (lib/engine/wasm/load.ts): fused multiply-adds (relaxed SIMD, where the engine has it) and unfused.
// Each passes every check below; `single` etc. are the default (fused where possible).
const builds = [true, false].map((fma) => ({
  fma,
  single: wasmBackendKernels({ threads: 1, fma })!,
  // chunks of 5,000 floats and threads for anything above 1 flop: every path of lib/engine/wasm/kernels.ts on small shapes
  threaded: wasmBackendKernels({ threads: 3, minThreadFlops: 1, chunkFloats: 5000, fma })!,
  chunked: wasmBackendKernels({ threads: 1, chunkFloats: 3000, fma })!,
}));
const { single, threaded } = builds[0];
afterAll(() => {
  for (const b of builds) b.threaded.shutdown();
  setBackend("wasm");
});

function randomArray(n: number, rng: Random, zeros = 0): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.next() < zeros ? 0 : rng.uniform(-1, 1);
  return a;
}

/** Runs op with the kernels on random A and B (a share `zeros` of A's entries 0) and checks C against the exact sum. */
function checkKernel(kernels: Kernels, op: Op, m: number, k: number, n: number, rng: Random, zeros = 0): Float32Array {
  const a = randomArray(m * k, rng, zeros), b = randomArray(k * n, rng);
  const c = new Float32Array(m * n).fill(NaN); // the kernel must overwrite every entry
  kernels[op](a, b, c, m, k, n);
  expectNearExact(kernels.name, op, a, b, c, m, k, n);
  return c;
}

// m, k, n: odd sizes around the register tile (4×8), the SIMD width (4), the k block (256) and 1×n, n×1
const SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 7, 1], [1, 784, 256], [1, 300, 1], [300, 1, 1], [1, 1, 300], [2, 3, 17], [3, 5, 33],
  [4, 8, 8], [5, 9, 7], [7, 13, 10], [8, 16, 16], [9, 17, 15], [13, 31, 29], [17, 4, 9], [33, 1, 65],
  [37, 53, 29], [64, 784, 10], [64, 10, 784], [65, 257, 23], [100, 513, 9], [129, 130, 131], [6, 600, 40],
];

describe("wasm kernels agree with an exact sum to float32 rounding", () => {
  for (const { fma, single, threaded, chunked } of builds) {
    const build = fma ? "fused multiply-add" : "multiply then add";
    for (const op of OPS) {
      it(`${op} on ${SHAPES.length} shapes (odd sizes, 1×n, n×1), single thread, ${build}`, () => {
        const rng = new Random(1);
        for (const [m, k, n] of SHAPES) checkKernel(single, op, m, k, n, rng);
      });
      it(`${op} split between 3 threads and streamed in chunks, ${build}`, () => {
        const rng = new Random(2);
        for (const [m, k, n] of SHAPES) checkKernel(threaded, op, m, k, n, rng);
        checkKernel(threaded, op, 150, 90, 70, rng); // several chunks of rows (or of depth) and a thread split each time
      });
      it(`${op} on sparse input (80% zeros, like MNIST pixels), ${build}`, () => {
        const rng = new Random(3);
        checkKernel(single, op, 64, 784, 32, rng, 0.8);
      });
    }

    it(`gives bit-for-bit the same result whatever the number of threads or chunks, ${build}`, () => {
      for (const op of OPS) {
        for (const [m, k, n] of [[64, 300, 256], [300, 64, 20], [41, 77, 300], [2, 50, 20]] as const) {
          const a = randomArray(m * k, new Random(m)), b = randomArray(k * n, new Random(n));
          const c1 = new Float32Array(m * n), c2 = new Float32Array(m * n);
          single[op](a, b, c1, m, k, n);
          for (const [name, kernels] of [["3 threads, chunks", threaded], ["chunks", chunked]] as const) {
            c2.fill(0);
            kernels[op](a, b, c2, m, k, n);
            expect(Buffer.from(c2.buffer).equals(Buffer.from(c1.buffer)), `${op} ${m}×${k}×${n} ${name}`).toBe(true);
          }
        }
      }
    });
  }

  for (const op of OPS) {
    it(`${op}: the JS loops pass the same check (the oracle is sound)`, () => {
      const rng = new Random(1);
      for (const [m, k, n] of SHAPES.filter(([m, k, n]) => m * k * n < 200_000)) checkKernel(jsKernels, op, m, k, n, rng);
    });
  }

  it("the fused build is used where the engine has relaxed SIMD (Node 20 and later), and differs from the unfused one only by rounding", () => {
    const [fused, unfused] = builds;
    expect(wasmBackendKernels({ fma: true }) !== null).toBe(true);
    if (!setBackend("wasm", { fma: true }).fma) return; // no relaxed SIMD here: only the unfused build exists
    expect(setBackend("wasm", { fma: false }).fma).toBe(false);
    setBackend("wasm");
    const rng = new Random(9);
    // small integers: every product and sum is exact, so fusing changes nothing
    const m = 9, k = 40, n = 33;
    const ai = Float32Array.from({ length: m * k }, () => rng.int(9) - 4), bi = Float32Array.from({ length: k * n }, () => rng.int(9) - 4);
    const c1 = new Float32Array(m * n), c2 = new Float32Array(m * n);
    fused.single.matmul(ai, bi, c1, m, k, n);
    unfused.single.matmul(ai, bi, c2, m, k, n);
    expect(Array.from(c1)).toEqual(Array.from(c2));
    // random floats: the two differ somewhere (one rounding per term fewer), each within the bound checkKernel uses
    const a = randomArray(64 * 784, rng, 0.8), b = randomArray(784 * 256, rng);
    const f = new Float32Array(64 * 256), u = new Float32Array(64 * 256);
    fused.single.matmul(a, b, f, 64, 784, 256);
    unfused.single.matmul(a, b, u, 64, 784, 256);
    expect(f.some((v, i) => v !== u[i])).toBe(true);
    // each is within 2k float32 units of Σ|a·b| of the exact sum (checkKernel's bound), so within 4k of each other
    const { scale } = exact("matmul", a, b, 64, 784, 256);
    for (let i = 0; i < f.length; i++) expect(Math.abs(f[i] - u[i])).toBeLessThanOrEqual(4 * 784 * 2 ** -24 * scale[i]);
  });

  it("MNIST_FMA=0 keeps the unfused build", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e",
      `import { backendInfo } from "./lib/index"; console.log(JSON.stringify(backendInfo()));`], {
      cwd: root, encoding: "utf8", timeout: 60_000, env: { ...process.env, MNIST_FMA: "0" },
    });
    expect(r.status, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout.trim().split("\n").pop()!) as { name: string; fma: boolean };
    expect(info).toMatchObject({ name: "wasm", fma: false });
  });

  it("a product with an empty inner dimension (k = 0) is all zeros; an empty C is left alone", () => {
    const c = new Float32Array(6).fill(7);
    single.matmul(new Float32Array(0), new Float32Array(0), c, 2, 0, 3);
    expect(Array.from(c)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(() => single.matmulTransB(new Float32Array(0), new Float32Array(5), new Float32Array(0), 0, 5, 1)).not.toThrow();
  });

  it("reads only the first m·k, k·n numbers of longer arrays and writes only m·n of C", () => {
    const rng = new Random(4);
    const a = randomArray(20, rng), b = randomArray(20, rng), c = new Float32Array(10).fill(5);
    single.matmul(a, b, c, 2, 3, 4);
    const want = new Float32Array(8);
    single.matmul(a.slice(0, 6), b.slice(0, 12), want, 2, 3, 4);
    expect(Array.from(c.subarray(0, 8))).toEqual(Array.from(want));
    expect(Array.from(c.subarray(8))).toEqual([5, 5]);
  });

  it("addScaled computes out = a + s·b to float32 rounding, in place too, across chunks", () => {
    const rng = new Random(6);
    for (const n of [0, 1, 3, 4, 5, 17, 4999, 12_345]) {
      const a = randomArray(n, rng), b = randomArray(n, rng), out = new Float32Array(n).fill(NaN);
      threaded.addScaled(a, b, -0.1, out); // chunks of 2,500 floats
      for (let i = 0; i < n; i++) expect(Math.abs(out[i] - (a[i] - 0.1 * b[i]))).toBeLessThanOrEqual(2 ** -23 * (Math.abs(a[i]) + 0.1 * Math.abs(b[i])));
      const w = a.slice();
      single.addScaled(w, b, -0.1, w); // W ← W − α·dW in place
      expect(Array.from(w)).toEqual(Array.from(out));
    }
  });

  it("says which arrays are too short for the shapes", () => {
    expect(() => single.matmul(new Float32Array(5), new Float32Array(6), new Float32Array(4), 2, 3, 2)).toThrow(/A has 5 of 6/);
  });
});

describe("the wasm backend behind Matrix", () => {
  it("matmul, matmulTransA and matmulTransB on float32 matrices match the JS backend", () => {
    const rng = new Random(5);
    const A = Matrix.fromArray(randomArray(37 * 53, rng), 37, 53);
    const B = Matrix.fromArray(randomArray(53 * 29, rng), 53, 29);
    const C = Matrix.fromArray(randomArray(37 * 29, rng), 37, 29);
    const run = () => [matmul(A, B), matmulTransA(A, C), matmulTransB(C, B)].map((m) => Array.from(m.data));
    setBackend("js");
    const js = run();
    setBackend("wasm");
    expect(activeKernels().name).toBe("wasm");
    const wasm = run();
    for (let r = 0; r < js.length; r++) {
      for (let i = 0; i < js[r].length; i++) expect(Math.abs(wasm[r][i] - js[r][i])).toBeLessThan(1e-5 * 53);
    }
  });

  it("setBackend switches and backendInfo reports it; float64 products still use the JS loops", () => {
    expect(setBackend("js").name).toBe("js");
    expect(getBackend()).toBe("js");
    expect(activeKernels()).toBe(jsKernels);
    const info = setBackend("wasm", { threads: 2 });
    expect(info).toMatchObject({ name: "wasm", wasmAvailable: true, threads: 2 });
    expect(getBackend()).toBe("wasm");
    const a = Matrix.fromRows([[1, 2], [3, 4]], "float64"), b = Matrix.fromRows([[0.1], [0.2]], "float64");
    expect(matmul(a, b).data).toBeInstanceOf(Float64Array);
    expect(Array.from(matmul(a, b).data)).toEqual([1 * 0.1 + 2 * 0.2, 3 * 0.1 + 4 * 0.2]);
    expect(() => setBackend("cuda" as "js")).toThrow(/expected "js" or "wasm"/);
  });

  it("the library picks wasm on import, and MNIST_BACKEND=js forces the JS loops", () => {
    const probe = `import { backendInfo } from "./lib/index"; console.log(JSON.stringify(backendInfo()));`;
    const run = (env: Record<string, string>) => {
      const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", probe], {
        cwd: root, env: { ...process.env, ...env }, encoding: "utf8", timeout: 60_000,
      });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout.trim().split("\n").pop()!) as { name: string; reason: string };
    };
    expect(run({ MNIST_BACKEND: "" }).name).toBe("wasm");
    expect(run({ MNIST_BACKEND: "js" })).toMatchObject({ name: "js", reason: "MNIST_BACKEND=js" });
  });

  it("worker threads do not keep Node alive: a script that used them exits by itself", () => {
    const script = `import { matmul, Matrix, backendInfo } from "./lib/index";
      import { startThreads } from "./lib/engine/backend";
      startThreads(5000);
      const a = Matrix.zeros(256, 512), b = Matrix.zeros(512, 256);
      matmul(a, b);
      console.log(backendInfo().workersReady);`;
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: root, env: { ...process.env, MNIST_BACKEND: "wasm", MNIST_THREADS: "2" }, encoding: "utf8", timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe("1"); // its worker was running
    expect(Date.now() - t0).toBeLessThan(30_000);
  });

  it("works compiled to CommonJS the way tslab compiles lib/ (the backend is wasm there too)", () => {
    mkdirSync(join(root, "build"), { recursive: true }); // build/ is git-ignored
    const out = mkdtempSync(join(root, "build", "cjs-wasm-"));
    try {
      compileToCommonJs(root, "lib/index.ts", out);
      copyFileSync(join(root, "lib", "engine", "wasm", "gemm.wasm"), join(out, "lib", "engine", "wasm", "gemm.wasm"));
      const script = `const lib = require(${JSON.stringify(join(out, "lib", "index.js"))});
        const a = lib.Matrix.zeros(64, 784), b = lib.Matrix.zeros(784, 16);
        a.data.fill(1); b.data.fill(0.5);
        const z = lib.matmul(a, b);
        console.log(JSON.stringify({ info: lib.backendInfo(), z: z.get(63, 15) }));`;
      const r = spawnSync(process.execPath, ["-e", script], { cwd: tmpdir(), encoding: "utf8", timeout: 60_000 });
      expect(r.stderr).toBe("");
      const { info, z } = JSON.parse(r.stdout.trim());
      expect(info.reason).toBe("the fastest that works here");
      expect(info.name).toBe("wasm");
      expect(z).toBe(392);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("finds gemm.wasm from a folder below the project root (as a notebook kernel might run)", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e",
      `import { findWasmFile } from "../lib/engine/wasm/load"; console.log(findWasmFile());`], {
      cwd: join(root, "notebooks"), encoding: "utf8", timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(join(root, "lib", "engine", "wasm", "gemm.wasm"));
    expect(findWasmFile()).toBe(join(root, "lib", "engine", "wasm", "gemm.wasm"));
  });
});

describe("gemm.wasm is built from its source", () => {
  for (const [output, relaxed] of [[WASM_OUTPUT, false], [WASM_RELAXED_OUTPUT, true]] as const) {
    it(`rebuilding lib/engine/wasm/assembly/gemm.ts gives the committed ${output} byte for byte`, async () => {
      const fresh = await buildGemmWasm(relaxed);
      const committed = readFileSync(join(root, output));
      expect(fresh.length).toBe(committed.length);
      expect(Buffer.from(fresh).equals(committed)).toBe(true);
    });
  }
});

describe("training through the wasm path", () => {
  function network(dtype: "float32" | "float64"): Sequential {
    return new Sequential([new Dense(784, 24, { seed: 7, dtype }), new ReLU(), new Dense(24, 10, { seed: 8, dtype })]);
  }

  it("float32 gradients through wasm equal the float64 gradients that pass a finite-difference check", () => {
    const data = loadMnist("train", { limit: 40 });
    const x32 = data.images, y32 = oneHot(data.labels, 10);
    const x64 = x32.astype("float64"), y64 = y32.astype("float64");
    setBackend("wasm", { threads: 2, minThreadFlops: 1 }); // the threaded path too
    const net32 = network("float32"), net64 = network("float64");
    const check = gradcheckNetwork(net64, x64.rowRange(0, 8), y64.rowRange(0, 8), softmaxCrossEntropy, { maxPerTensor: 40 });
    expect(check.maxRelError).toBeLessThan(1e-5);
    net64.backward(softmaxCrossEntropy(net64.forward(x64), y64).grad);
    net32.backward(softmaxCrossEntropy(net32.forward(x32), y32).grad);
    const p32 = net32.params(), p64 = net64.params();
    for (let i = 0; i < p32.length; i++) {
      const g32 = p32[i].grad.data, g64 = p64[i].grad.data;
      let maxAbs = 0;
      for (const v of g64) maxAbs = Math.max(maxAbs, Math.abs(v));
      for (let j = 0; j < g32.length; j++) expect(Math.abs(g32[j] - g64[j])).toBeLessThan(1e-4 * maxAbs + 1e-7);
    }
    setBackend("wasm");
  });

  it("a short training run gives the same losses with wasm as with the JS loops, and learns", () => {
    const data = loadMnist("train", { limit: 512 });
    const y = oneHot(data.labels, 10);
    const trainWith = (backend: "js" | "wasm"): number[] => {
      setBackend(backend);
      const net = network("float32");
      const losses: number[] = [];
      for (let epoch = 0; epoch < 4; epoch++) {
        for (let start = 0; start < 512; start += 64) {
          const r = softmaxCrossEntropy(net.forward(data.images.rowRange(start, start + 64), true), y.rowRange(start, start + 64));
          net.backward(r.grad);
          for (const p of net.params()) for (let i = 0; i < p.value.data.length; i++) p.value.data[i] -= 0.1 * p.grad.data[i]; // W ← W − α·dW
          losses.push(r.loss);
        }
      }
      return losses;
    };
    const js = trainWith("js"), wasm = trainWith("wasm");
    setBackend("wasm");
    for (let i = 0; i < js.length; i++) expect(Math.abs(wasm[i] - js[i])).toBeLessThan(1e-3 * js[i]);
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    expect(mean(wasm.slice(-8))).toBeLessThan(0.5 * mean(wasm.slice(0, 8))); // the last epoch's loss is under half the first's
  });
});
