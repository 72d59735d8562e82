// NumPy as a speed reference, run at its best (chapter 8 and `npm run bench -- train` compare against it).
//
// Honest means: the fastest NumPy on this machine, and nothing slowing it down.
//   - Several Pythons may have NumPy: a pip-installed one brings OpenBLAS; Debian's python3-numpy (at
//     /usr/bin/python3) may be linked to the reference BLAS, about 10× slower. A notebook kernel's PATH may
//     not hold the pip one, so it is also looked for where pyenv and pip put it.
//   - OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (set on some machines for old OpenBLAS builds) make a current
//     OpenBLAS pick a slower kernel: the reference runs with both removed, for its command alone.
// The probe prints which BLAS NumPy really calls, its version, the CPU kernel it chose and its threads.
import { spawnSync } from "child_process";
import { existsSync, readdirSync } from "fs";
import { homedir } from "os";
import { join } from "path";

export interface NumpyPython {
  /** the command that runs it */
  python: string;
  /** its sys.executable (two commands may be the same Python) */
  executable: string;
  numpy: string;
  /** "OpenBLAS 0.3.31", "MKL", "reference BLAS", … */
  blas: string;
  /** the CPU kernel the BLAS chose ("SkylakeX", "Haswell"), "" when it does not say */
  core: string;
  /** threads the BLAS uses by default */
  threads: number;
}

/** Variables some machines set for old OpenBLAS builds, which slow a current one down. */
export const SLOWING_VARIABLES = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"];

/** The environment to run the reference in: this one without SLOWING_VARIABLES, plus `extra`. */
export function numpyEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of SLOWING_VARIABLES) delete env[name];
  return env;
}

const PROBE = `
import ctypes, json, os, sys
import numpy as np
a = np.ones((64, 64)); a @ a
out = {"executable": sys.executable, "numpy": np.__version__, "blas": "", "core": "", "threads": 0}
try:
    from threadpoolctl import threadpool_info
    for p in threadpool_info():
        if p.get("user_api") == "blas":
            out["blas"] = f"{p.get('internal_api', 'BLAS')} {p.get('version') or ''}".strip()
            out["core"] = p.get("architecture") or ""
            out["threads"] = p.get("num_threads") or 0
            break
except Exception:
    pass
libs = set()
try:
    libs = {line.split()[-1] for line in open("/proc/self/maps") if ".so" in line}
except OSError:
    pass
openblas = sorted(l for l in libs if "openblas" in l.lower())
if openblas and not out["core"]:
    try:
        lib = ctypes.CDLL(openblas[0])
        for prefix in ("openblas_", "scipy_openblas_"):
            for suffix in ("", "64_"):
                try:
                    corename = getattr(lib, prefix + "get_corename" + suffix)
                    config = getattr(lib, prefix + "get_config" + suffix)
                    threads = getattr(lib, prefix + "get_num_threads" + suffix)
                except AttributeError:
                    continue
                corename.restype = ctypes.c_char_p; config.restype = ctypes.c_char_p
                out["core"] = corename().decode()
                out["threads"] = out["threads"] or int(threads())
                words = config().decode().split()
                out["blas"] = out["blas"] or " ".join(words[:2])
                raise StopIteration
    except StopIteration:
        pass
    except OSError:
        pass
if not out["blas"]:
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        out["blas"] = f"{blas.get('name', 'BLAS')} {blas.get('version', '')}".strip()
    except Exception:
        names = {l.rsplit("/", 1)[-1].lower() for l in libs}
        for key, label in (("openblas", "OpenBLAS"), ("mkl", "MKL"), ("blis", "BLIS")):
            if any(key in n for n in names):
                out["blas"] = label
                break
        else:
            out["blas"] = "reference BLAS" if any(n.startswith(("libblas", "libcblas")) for n in names) else "unknown BLAS"
if "openblas" in out["blas"].lower() and not out["blas"].startswith("OpenBLAS"):
    out["blas"] = "OpenBLAS " + out["blas"].split()[-1]
if not out["threads"]:
    out["threads"] = int(os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS") or os.cpu_count() or 1)
print(json.dumps(out))
`;

/** The Pythons to try: NUMPY_PYTHON (or MNIST_BENCH_PYTHON), python3 on PATH, pyenv's and pip's usual places, /usr/bin/python3. */
export function pythonCandidates(): string[] {
  const home = homedir();
  const pyenvRoot = process.env.PYENV_ROOT ?? join(home, ".pyenv");
  const list = [process.env.NUMPY_PYTHON, process.env.MNIST_BENCH_PYTHON, "python3", join(pyenvRoot, "shims", "python3")];
  const versions = join(pyenvRoot, "versions");
  if (existsSync(versions)) {
    for (const v of readdirSync(versions).sort().reverse()) list.push(join(versions, v, "bin", "python3"));
  }
  list.push(join(home, ".local", "bin", "python3"), "/usr/local/bin/python3", "/usr/bin/python3");
  return [...new Set(list.filter((p): p is string => !!p && (!p.startsWith("/") || existsSync(p))))];
}

/** Runs the probe in one Python: what it has, or null when it has no NumPy. */
export function probeNumpy(python: string): NumpyPython | null {
  const r = spawnSync(python, ["-c", PROBE], { encoding: "utf8", timeout: 60_000, env: numpyEnv() });
  if (r.status !== 0) return null;
  try {
    const j = JSON.parse(r.stdout.trim().split("\n").pop() as string) as Omit<NumpyPython, "python">;
    return { python, ...j };
  } catch {
    return null;
  }
}

/** How good a BLAS is for speed: an optimised one first, the reference BLAS last. */
function blasRank(blas: string): number {
  const b = blas.toLowerCase();
  if (b.includes("openblas") || b.includes("mkl") || b.includes("blis") || b.includes("accelerate")) return 0;
  if (b.includes("reference")) return 2;
  return 1;
}

/**
 * The NumPy to compare against: among every Python that has one, one linked to an optimised BLAS
 * (OpenBLAS, MKL, BLIS) before any other, the reference BLAS last. `found` lists those probed (the search stops
 * at the first optimised one); best is null when none has NumPy.
 */
export function findNumpy(): { best: NumpyPython | null; found: NumpyPython[] } {
  const found: NumpyPython[] = [];
  const seen = new Set<string>();
  for (const python of pythonCandidates()) {
    const p = probeNumpy(python);
    if (p === null || seen.has(p.executable)) continue;
    seen.add(p.executable);
    found.push(p);
    if (blasRank(p.blas) === 0) break; // the candidates come most likely first: stop at an optimised BLAS
  }
  const sorted = [...found].sort((x, y) => blasRank(x.blas) - blasRank(y.blas));
  return { best: sorted[0] ?? null, found };
}

/** One line naming the reference: "NumPy 2.4.6, OpenBLAS 0.3.31 (SkylakeX kernels), 2 threads — /path/python3". */
export function describeNumpy(p: NumpyPython): string {
  return `NumPy ${p.numpy}, ${p.blas}${p.core ? ` (${p.core} kernels)` : ""}, ${p.threads} thread${p.threads === 1 ? "" : "s"} — ${p.executable}`;
}
