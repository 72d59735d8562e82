// Finding PyTorch for the benchmarks (bench/models.ts, bench/cnn.ts) and running it at its best.
//
// Debian's python3-torch is built with BLAS_INFO=generic: its dense products call libblas.so.3, which on a
// Debian system is the slow reference BLAS unless an optimised one is selected. For the reference's process
// only, we put OpenBLAS's libblas.so.3 first on LD_LIBRARY_PATH when one is found (MNIST_BENCH_TORCH_BLAS_DIR,
// else Debian's libopenblas0-pthread folder), and unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which this
// machine sets for old OpenBLAS builds and which slow a current one. The bench prints which BLAS it used.
import { existsSync } from "fs";
import { spawnSync } from "child_process";
import { join } from "path";

const BLAS_DIRS = [process.env.MNIST_BENCH_TORCH_BLAS_DIR, "/usr/lib/x86_64-linux-gnu/openblas-pthread"];

/** The folder of an OpenBLAS libblas.so.3 for PyTorch's process, or null (PyTorch then uses the system's). */
export function openBlasDir(): string | null {
  for (const dir of BLAS_DIRS) if (dir && existsSync(join(dir, "libblas.so.3"))) return dir;
  return null;
}

/** The environment of a reference run with `threads` threads. */
export function referenceEnv(threads: number): NodeJS.ProcessEnv {
  const t = String(threads);
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: t, MKL_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const blas = openBlasDir();
  if (blas !== null) env.LD_LIBRARY_PATH = [blas, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":");
  return env;
}

/** How the reference runs, in one line. */
export function describeReference(): string {
  const blas = openBlasDir();
  return (blas === null
    ? "its products on the system's libblas.so.3 (Debian's reference BLAS unless another is selected; apt-get install libopenblas0-pthread, or set MNIST_BENCH_TORCH_BLAS_DIR, for OpenBLAS)"
    : `OpenBLAS from ${blas} for its products (LD_LIBRARY_PATH of its process only)`) +
    "; OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset; threads set by torch.set_num_threads";
}

/**
 * A Python with PyTorch: MNIST_BENCH_TORCH_PYTHON, python3 or /usr/bin/python3, asked through `script --probe`
 * (a reference script that prints one JSON line: torch's version and what else it reports); null, and a note
 * saying where it looked, if none has it.
 */
export function findTorch<T extends { torch: string }>(script: string, notes: string[]): ({ python: string } & T) | null {
  const tried = [process.env.MNIST_BENCH_TORCH_PYTHON, "python3", "/usr/bin/python3"].filter((p): p is string => !!p);
  for (const python of new Set(tried)) {
    const r = spawnSync(python, [script, "--probe"], { encoding: "utf8", timeout: 120_000, env: referenceEnv(1) });
    if (r.status !== 0) continue;
    try {
      return { python, ...(JSON.parse(r.stdout.trim().split("\n").pop() as string) as T) };
    } catch {
      // not our script's output
    }
  }
  notes.push(`PyTorch: not found in ${[...new Set(tried)].join(", ")} (Debian: apt-get install python3-torch, for the benchmark only)`);
  return null;
}
