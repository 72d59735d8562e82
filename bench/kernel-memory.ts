// Where one student's kernel memory goes, on chapter 5 (what `npm run bench -- classroom` runs for each
// student): a fresh tslab kernel runs the chapter's code cells; its resident memory after the start, after the
// first cell (the import of ./lib/index) and at the end, its peak, and the kernel's own account at the end
// (V8's heap by space, the WebAssembly memory, buffers outside the heap). The work is done by
// bench/kernel_memory.py (jupyter_client). The Notebook server a student also runs is measured by the
// classroom section (its "server" column).
//
// Run: npm run bench -- kernel-memory   (KERNEL_MEMORY_NOTEBOOK=notebooks/NN-….ipynb for another chapter)
import { spawnSync } from "child_process";
import { loadavg } from "os";
import { join } from "path";
// @ts-ignore: no type declarations for the .mjs
import { findPython, jupyterEnv } from "../scripts/lib/setup.mjs";

interface Proc { VmRSS: number; VmHWM: number; RssAnon: number; RssFile: number }
interface Result {
  stages: Record<string, Proc>;
  startSeconds: number;
  firstCellSeconds: number;
  runSeconds: number;
  error?: string;
  account: {
    rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number;
    spaces: Record<string, number>;
    wasm: { name: string; memoryBytes?: number; matrixBytes?: number; threads: number };
    typescriptModules: string[];
    error?: string;
  };
}

const MiB = (b: number | undefined) => (b === undefined ? "-" : `${(b / 2 ** 20).toFixed(0)} MiB`);

export function run(): void {
  const python = (findPython as (required: string[]) => { exe: string } | null)(["jupyter_client"]);
  if (python === null) {
    console.log("kernel-memory: skipped, no Python with jupyter_client (npm run setup installs it)");
    return;
  }
  const notebook = process.env.KERNEL_MEMORY_NOTEBOOK ?? "notebooks/05-three-optimizers.ipynb";
  const load = loadavg()[0];
  const r = spawnSync(python.exe, [join(process.cwd(), "bench", "kernel_memory.py"), notebook], {
    encoding: "utf8",
    timeout: 900_000,
    env: (jupyterEnv as () => NodeJS.ProcessEnv)(),
  });
  const last = (r.stdout ?? "").trim().split("\n").pop() ?? "";
  let res: Result;
  try {
    res = JSON.parse(last);
  } catch {
    console.log(`kernel-memory: failed: ${(r.stderr || r.error?.message || last).trim().split("\n").slice(-3).join(" | ")}`);
    return;
  }
  console.log(`${notebook} in one fresh tslab kernel (load average ${load.toFixed(1)} at the start):`);
  if (res.error) console.log(`  stopped early: ${res.error}`);
  console.log(`  kernel start ${res.startSeconds.toFixed(1)} s, first cell ${res.firstCellSeconds.toFixed(1)} s, all ${res.runSeconds.toFixed(1)} s`);
  for (const [stage, p] of Object.entries(res.stages)) console.log(`  resident after ${stage.padEnd(11)} ${MiB(p.VmRSS).padStart(8)} (anonymous ${MiB(p.RssAnon)}, files ${MiB(p.RssFile)})`);
  console.log(`  peak resident (VmHWM)      ${MiB(res.stages.end?.VmHWM).padStart(8)}`);
  const a = res.account;
  if (a.error) return console.log(`  the kernel's own account failed: ${a.error}`);
  console.log(`  V8 heap: ${MiB(a.heapUsed)} used of ${MiB(a.heapTotal)}; by space: ${Object.entries(a.spaces).filter(([, b]) => b > 2 ** 20).map(([k, b]) => `${k} ${MiB(b)}`).join(", ")}`);
  console.log(`  outside the heap: ${MiB(a.external)} (ArrayBuffers ${MiB(a.arrayBuffers)}); WebAssembly memory ${MiB(a.wasm.memoryBytes)} (matrices in it ${MiB(a.wasm.matrixBytes)}), backend ${a.wasm.name}, ${a.wasm.threads} thread(s)`);
  console.log(`  TypeScript modules loaded: ${a.typescriptModules.length}`);
}
