// How long the first cell of a chapter takes: a fresh tslab kernel (the project's kernelspec, as `npm start`
// and `npm test` run it) and a cell importing ./lib/index. Plain tslab type-checks and compiles every file that
// import reaches before the cell runs; the kernel's compile cache (jupyter/kernels/tslab/compile-cache.cjs)
// gives that work back when lib/ has not changed. Three columns, side by side in one run: no cache (plain
// tslab, the "before"), an empty cache (the first chapter after lib/ changed) and a filled one (every other).
// Medians of --reps fresh kernels each (default 3). The work is done by bench/first_cell.py (jupyter_client).
//
// Run: npm run bench -- first-cell
import { spawnSync } from "child_process";
import { join } from "path";
// scripts/lib/setup.mjs is plain JavaScript: its helpers find the Python that has Jupyter and the kernel's environment
// @ts-ignore: no type declarations for the .mjs
import { findPython, jupyterEnv } from "../scripts/lib/setup.mjs";
import { benchOptions } from "./options";

interface Sample {
  start: number;
  empty: number;
  import: number;
  second: number;
}

type Mode = "off" | "cold" | "warm";
const MODES: Mode[] = ["off", "cold", "warm"];
const LABELS: Record<Mode, string> = { off: "none (tslab)", cold: "empty", warm: "filled" };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b), h = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[h] : (s[h - 1] + s[h]) / 2;
}


export function run(): void {
  const python = (findPython as (required: string[]) => { exe: string } | null)(["jupyter_client"]);
  if (python === null) {
    console.log("first-cell: skipped, no Python with jupyter_client (npm run setup installs it)");
    return;
  }
  const reps = benchOptions().reps;
  const r = spawnSync(python.exe, [join(process.cwd(), "bench", "first_cell.py"), String(reps)], {
    encoding: "utf8",
    timeout: 600_000,
    env: (jupyterEnv as () => NodeJS.ProcessEnv)(),
  });
  const last = (r.stdout ?? "").trim().split("\n").pop() ?? "";
  let parsed: { samples?: Record<Mode, Sample[]>; error?: string };
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
  const samples = parsed.samples;
  const cell = (mode: Mode, key: keyof Sample) => `${median(samples[mode].map((x) => x[key])).toFixed(2)} s`.padStart(14);
  console.log(`fresh tslab kernels, medians of ${reps} each; the kernel's compile cache:`);
  console.log(`${"".padEnd(38)}${MODES.map((m) => LABELS[m].padStart(14)).join("")}`);
  const rows: [keyof Sample, string][] = [
    ["start", "kernel start"],
    ["empty", "a cell without imports"],
    ["import", "import ./lib/index (the first cell)"],
    ["second", "the next cell"],
  ];
  for (const [key, label] of rows) console.log(`  ${label.padEnd(36)}${MODES.map((m) => cell(m, key)).join("")}`);
  const each = (mode: Mode) => samples[mode].map((x) => x.import.toFixed(2)).join(", ");
  console.log(`  (the import, each run: off ${each("off")}; empty ${each("cold")}; filled ${each("warm")})`);
}
