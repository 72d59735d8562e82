// How long the first cell of a chapter takes: a fresh tslab kernel (the project's kernelspec, as `npm start`
// and `npm test` run it) and a cell importing ./lib/index. tslab compiles every file that import reaches
// before the cell runs, so this is the wait a student sees after opening a chapter.
// Medians of --reps fresh kernels (default 3). The work is done by bench/first_cell.py (jupyter_client).
//
// Run: npm run bench -- first-cell
import { spawnSync } from "child_process";
import { join } from "path";
// scripts/setup.mjs is plain JavaScript: its helpers find the Python that has Jupyter and the kernel's environment
// @ts-ignore: no type declarations for the .mjs
import { findPython, jupyterEnv } from "../scripts/setup.mjs";

interface Sample {
  start: number;
  empty: number;
  import: number;
  second: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b), h = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[h] : (s[h - 1] + s[h]) / 2;
}

function repetitions(): number {
  const i = process.argv.indexOf("--reps");
  const n = i >= 0 ? Number(process.argv[i + 1]) : 3;
  if (!Number.isInteger(n) || n < 1) throw new Error(`bench: --reps expects a whole number ≥ 1, got ${process.argv[i + 1]}`);
  return n;
}

export function run(): void {
  const python = (findPython as (required: string[]) => { exe: string } | null)(["jupyter_client"]);
  if (python === null) {
    console.log("first-cell: skipped, no Python with jupyter_client (npm run setup installs it)");
    return;
  }
  const reps = repetitions();
  const r = spawnSync(python.exe, [join(process.cwd(), "bench", "first_cell.py"), String(reps)], {
    encoding: "utf8",
    timeout: 600_000,
    env: (jupyterEnv as () => NodeJS.ProcessEnv)(),
  });
  const last = (r.stdout ?? "").trim().split("\n").pop() ?? "";
  let parsed: { samples?: Sample[]; error?: string };
  try {
    parsed = JSON.parse(last);
  } catch {
    console.log(`first-cell: failed: ${(r.stderr || r.error?.message || last).trim().split("\n").slice(-3).join(" | ")}`);
    return;
  }
  if (parsed.samples === undefined) {
    console.log(`first-cell: the cell failed: ${parsed.error}`);
    return;
  }
  const s = parsed.samples;
  const fmt = (key: keyof Sample) => `${median(s.map((x) => x[key])).toFixed(2)} s`.padStart(8) +
    `  (${s.map((x) => x[key].toFixed(2)).join(", ")})`;
  console.log(`fresh tslab kernel, medians of ${reps} (each run in brackets):`);
  console.log(`  kernel start                          ${fmt("start")}`);
  console.log(`  a cell without imports                ${fmt("empty")}`);
  console.log(`  import ./lib/index (the first cell)   ${fmt("import")}`);
  console.log(`  the next cell                         ${fmt("second")}`);
}
