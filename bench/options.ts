// bench's command line, parsed once by the scripts' one parser (scripts/lib/cli.mjs): bench/run.ts checks it before
// any section starts, and the sections read --reps and --simple from here; and the load averages they print.
import { loadavg } from "os";
import { parseCommandLine, wholeNumber } from "../scripts/lib/cli.mjs";

export const SECTIONS = ["matmul", "data", "train", "cnn", "models", "seq", "first-cell", "kernel-memory", "classroom"];

export interface BenchOptions {
  sections: string[];
  /** train, first-cell: repetitions (seq: rounds) of each measurement (default 3) */
  reps: number;
  /** whether --reps was given (a section may have its own default) */
  repsGiven: boolean;
  /** matmul: also time the simple kernels */
  simple: boolean;
}

let parsed: BenchOptions | null = null;

/** The options of `npm run bench -- …`: a bad one ends the run with one line and exit 2. */
export function benchOptions(argv = process.argv.slice(2)): BenchOptions {
  if (parsed !== null) return parsed;
  const { values, positionals } = parseCommandLine("bench", {
    options: { reps: { type: "string" }, simple: { type: "boolean" } },
    allowPositionals: true,
    help: `Usage: npm run bench [-- section ...] [-- --simple] [-- --reps N]\n\nsections: ${SECTIONS.join(", ")} (default: all but classroom and models)`,
  }, argv);
  for (const name of positionals) {
    if (!SECTIONS.includes(name)) {
      process.stderr.write(`bench: unknown section "${name}"; expected one of ${SECTIONS.join(", ")}\n`);
      process.exit(2);
    }
  }
  const reps = values.reps === undefined ? 3 : wholeNumber("bench", "--reps", String(values.reps), 1, 1000);
  parsed = { sections: positionals, reps, repsGiven: values.reps !== undefined, simple: values.simple === true };
  return parsed;
}

/** The 1-, 5- and 15-minute load averages, as printed beside a bench's figures: "0.52 0.78 1.06". */
export function loadAverages(): string {
  return loadavg().map((l) => l.toFixed(2)).join(" ");
}
