// npm run grade -- FILES… [--csv OUT] [--html REPORT] [--timeout SECONDS] [--force]   (rows: notebook,exercise,status)
// npm run grade -- DIR --csv OUT [--html REPORT]                                        (DIR/<student>/<notebook>.ipynb; rows: student,notebook,exercise,status)
//
// Runs each notebook alone, in a fresh tslab kernel with a time limit (default 600 s a notebook), and
// writes one status per exercise: correct, wrong, unanswered or error, decided by the grader's own tests on
// what the notebook's cells bound, never by what it printed; a summary table goes to the terminal, and
// --html writes an offline class report. This command owns the files: it reads the command line, finds the notebooks, checks the output
// before any grading (lib/files.ts: not a device, a FIFO, a read-only file as root without --force, nor one of
// the notebooks), and writes the class table atomically with every cell safe to open in a spreadsheet. The
// grading itself is scripts/jupyter/grade.py (nbclient; one scripts/jupyter/grade_worker.py process a notebook),
// run under the Python that has Jupyter. As root, each notebook runs as its student's account or as the no-login
// mnist-grader (scripts/jupyter/sandbox.py); as an ordinary user, with that user's rights (it says so once).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { checkOutputPaths, writeFileAtomic, type NamedPath } from "../../lib/files";
import { fail, parseCommandLine, UsageError, wholeNumberOrThrow } from "../lib/cli.mjs";
import { startJupyterScript } from "../lib/python-runner.mjs";

const USAGE = "usage: npm run grade -- FILE.ipynb … [--csv OUT] [--html REPORT] [--timeout SECONDS] [--force]  |  npm run grade -- DIR --csv OUT [--html REPORT]";

/** One notebook to grade: its student (class mode), its name in the table, its path. */
type Job = [student: string | null, label: string, path: string];

/** A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading ' ; then CSV quoting. */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The notebooks to grade, and whether this is a class folder; refuses (UsageError) what cannot be graded. */
export function plan(paths: string[]): { jobs: Job[]; classMode: boolean } {
  if (paths.length === 1 && isDir(paths[0])) {
    const root = paths[0];
    const jobs: Job[] = [];
    for (const student of readdirSync(root).sort()) {
      const folder = join(root, student);
      if (student.startsWith(".") || !isDir(folder)) continue;
      for (const name of readdirSync(folder).sort()) {
        if (name.endsWith(".ipynb") && !name.startsWith(".")) jobs.push([student, name, join(folder, name)]);
      }
    }
    if (jobs.length === 0) {
      if (readdirSync(root).some((f) => f.endsWith(".ipynb"))) {
        throw new UsageError(`${root} holds notebooks, not student folders: give them as files (${root}/*.ipynb), or a class folder holding <student>/<notebook>.ipynb`);
      }
      throw new UsageError(`${root} holds no <student>/<notebook>.ipynb files`);
    }
    return { jobs, classMode: true };
  }
  for (const p of paths) {
    if (isDir(p)) throw new UsageError(`${p} is a folder: give one class folder alone (DIR/<student>/<notebook>.ipynb), or notebook files`);
    let file = false;
    try {
      file = statSync(p).isFile();
    } catch {
      throw new UsageError(`no such notebook: ${p}`);
    }
    if (!file) throw new UsageError(`not a regular file: ${p} (a device or a pipe is not a notebook)`);
    if (!p.endsWith(".ipynb")) throw new UsageError(`not a notebook (.ipynb): ${p}`);
  }
  return { jobs: paths.map((p): Job => [null, p, p]), classMode: false };
}

/** The class table: a header, then one row per student, notebook and exercise. */
export function classTable(rows: Array<[string | null, string, Record<string, string>]>, classMode: boolean): string {
  const lines = [[...(classMode ? ["student"] : []), "notebook", "exercise", "status"]];
  for (const [student, label, result] of rows) {
    for (const [name, status] of Object.entries(result)) lines.push([...(classMode ? [student ?? ""] : []), label, name, status]);
  }
  return lines.map((cells) => cells.map(csvCell).join(",")).join("\n") + "\n";
}

async function main(): Promise<number> {
  const { values, positionals } = parseCommandLine("grade", {
    options: { csv: { type: "string" }, html: { type: "string" }, timeout: { type: "string" }, force: { type: "boolean" } },
    allowPositionals: true,
    help: `${USAGE}\n\nRuns each notebook in a fresh kernel and reports one status per exercise (correct, wrong, unanswered, error).\n` +
      "  --csv OUT      write the table here (needed for a class folder); refused before grading if it cannot be written\n" +
      "  --html REPORT  also write an offline page: the share of students who solved each exercise, each row, the crashes\n" +
      "  --timeout S    seconds a notebook may take (default 600, or GRADE_TIMEOUT)\n" +
      "  --force        as root, replace a read-only OUT",
  });
  const csv = values.csv as string | undefined;
  const html = values.html as string | undefined;
  const force = values.force === true;
  let jobs: Job[], classMode: boolean, timeout: number;
  try {
    if (positionals.length === 0) throw new UsageError(`no notebooks given; ${USAGE}`);
    timeout = wholeNumberOrThrow(values.timeout === undefined ? "GRADE_TIMEOUT" : "--timeout", String(values.timeout ?? process.env.GRADE_TIMEOUT ?? "600"), 1, 86_400);
    ({ jobs, classMode } = plan(positionals));
    if (classMode && csv === undefined) throw new UsageError("grading a class folder needs --csv OUT (one row per student, notebook and exercise)");
    const inputs: NamedPath[] = jobs.map(([, , path]) => ({ path, what: "graded notebook" }));
    const outputs: NamedPath[] = [];
    if (csv !== undefined) outputs.push({ path: csv, what: "--csv", bytes: 100 * jobs.length * 20 });
    if (html !== undefined) outputs.push({ path: html, what: "--html", bytes: 2000 * jobs.length + 100_000 });
    if (outputs.length > 0) checkOutputPaths(outputs, inputs, { force });
  } catch (err) {
    return fail("grade", (err as Error).message);
  }

  const work = mkdtempSync(join(tmpdir(), "grade-")); // this run's own folder: removed whatever happens
  try {
    const rowsFile = join(work, "rows.json");
    const htmlFile = join(work, "report.html");
    const specFile = join(work, "spec.json");
    writeFileSync(specFile, JSON.stringify({ jobs, classMode, timeout, rows: rowsFile, html: html === undefined ? null : htmlFile }));
    const code = await startJupyterScript("grade", "grade.py", [specFile]);
    if (code !== 0) return code;
    const rows = JSON.parse(readFileSync(rowsFile, "utf8")) as Array<[string | null, string, Record<string, string>]>;
    const table = classTable(rows, classMode);
    const count = rows.reduce((n, r) => n + Object.keys(r[2]).length, 0);
    if (csv === undefined) process.stdout.write(table);
    else {
      writeFileAtomic(csv, table, { force });
      process.stderr.write(`\nwrote ${csv} (${count} rows)\n`);
    }
    if (html !== undefined) {
      writeFileAtomic(html, readFileSync(htmlFile, "utf8"), { force });
      process.stderr.write(`wrote ${html}\n`);
    }
    return 0;
  } catch (err) {
    process.stderr.write(`grade: ${(err as Error).message.split("\n")[0]}\n`);
    return 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (basename(process.argv[1] ?? "") === "grade.ts") main().then((code) => process.exit(code));
