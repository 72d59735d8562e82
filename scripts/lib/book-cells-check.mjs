// The book check's part for the runnable cells (issue 30, web/runner/), used by scripts/checks/check-book.mjs:
//   checkRunnableMarkup(page, name, problems)   every code cell of a chapter page is a [data-cell] with its editor,
//                                               Run button and output; the page has Run all, Stop, Reset, Download
//   checkRunnableChapter(open, file, problems)  chapter 5 in the page: an exercise typed into its cell reads
//                                               "Correct!", an error names its line, Stop ends a runaway cell, an
//                                               edit survives a reload, Run all runs the chapter with every chart
//                                               drawn (light, then dark), the downloaded .ipynb runs in the kernel
//                                               (npm run notebooks, timed beside Run all) and is graded;
//                                               `open(file)` opens a page as the book check does (offline, errors
//                                               and network requests reported as problems)
import { mkdtempSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./setup.mjs";
import { axeViolations, scrollThrough, violationLines } from "./axe.mjs";

const WAIT_MS = 30_000;
const RUN_ALL_TIMEOUT_MS = Number(process.env.RUN_ALL_TIMEOUT_S ?? 600) * 1000; // chapter 5's "Run all" in the page

/** The markup of a chapter's runnable cells: one [data-cell] per code cell, each with its editor, button and output. */
export async function checkRunnableMarkup(page, name, problems) {
  const found = await page
    .waitForFunction(() => document.documentElement.getAttribute("data-runnable"), null, { timeout: WAIT_MS })
    .then(() =>
      page.evaluate(() => {
        const cells = [...document.querySelectorAll("[data-cell]")];
        const code = document.querySelectorAll(".code_cell").length;
        const incomplete = cells.filter((c) => !(c.querySelector("[data-editor] .cm-content") && c.querySelector('[data-action="run"]') && c.querySelector("[data-output]") && c.getAttribute("data-state") === "idle")).length;
        const buttons = ["run-all", "reset", "download", "stop"].filter((a) => !document.querySelector(`[data-action="${a}"]`));
        const unnamed = [...document.querySelectorAll("[data-cell] button, .nb-toolbar button")].filter((b) => !(b.getAttribute("aria-label") || b.textContent.trim())).length;
        return { cells: cells.length, code, incomplete, buttons, unnamed, live: !!document.querySelector('.nb-toolbar [aria-live]') };
      }),
    )
    .catch(() => null);
  if (found === null) return problems.push(`${name}: the code cells did not become runnable (no data-runnable on the page: assets/runner.js)`);
  if (found.cells !== found.code) problems.push(`${name}: ${found.cells} runnable cells for ${found.code} code cells`);
  if (found.incomplete) problems.push(`${name}: ${found.incomplete} cell(s) lack [data-editor], [data-action="run"], [data-output] or data-state="idle"`);
  if (found.buttons.length) problems.push(`${name}: no page button ${found.buttons.map((a) => `[data-action="${a}"]`).join(", ")}`);
  if (found.unnamed) problems.push(`${name}: ${found.unnamed} button(s) without a name`);
  if (!found.live) problems.push(`${name}: no live region announcing the cells' state`);
}

/** Waits until the cell has run (data-state done or error); returns its state and its output's text. */
async function runCell(cell, how, timeout = 120_000) {
  if (how === "keyboard") {
    await cell.locator("[data-editor] .cm-content").click();
    await cell.page().keyboard.press("Shift+Enter");
  } else await cell.locator('[data-action="run"]').click();
  await cell.page().waitForFunction((el) => el.getAttribute("data-state") === "running" || el.getAttribute("data-state") === "error" || el.getAttribute("data-state") === "done", await cell.elementHandle(), { timeout });
  await cell.page().waitForFunction((el) => el.getAttribute("data-state") === "done" || el.getAttribute("data-state") === "error", await cell.elementHandle(), { timeout });
  return { state: await cell.getAttribute("data-state"), output: await cell.locator("[data-output]").innerText() };
}

/** Replaces the text of a cell's editor by typing (select all, then the new text). */
async function setEditor(page, cell, text) {
  await cell.locator("[data-editor] .cm-content").click();
  await page.keyboard.press("Control+A");
  await page.keyboard.insertText(text);
}

/** The n-th cell whose editor's text matches `re`. */
async function cellWith(page, re) {
  const texts = await page.locator("[data-cell] [data-editor] .cm-content").evaluateAll((els) => els.map((e) => e.innerText));
  const i = texts.findIndex((t) => re.test(t));
  if (i < 0) throw new Error(`no cell matches ${re}`);
  return { cell: page.locator("[data-cell]").nth(i), index: i };
}

/** The machine's load average (1, 5, 15 minutes), printed beside a time: other work on the machine slows a run. */
const loadAverage = () => loadavg().map((x) => x.toFixed(1)).join(" ");

/** The charts in the cells' outputs, once each has come into view: { all, drawn, dark (drawn on dark paper) }. */
async function cellCharts(page) {
  await scrollThrough(page); // a chart draws when it comes into view (lib/course/plot-script.ts)
  const count = () => page.evaluate(() => {
    const all = [...document.querySelectorAll("[data-output] .nb-html div.nn-plot")];
    const drawn = all.filter((d) => d.querySelector("svg.main-svg"));
    const dark = drawn.filter((d) => {
      const svg = d.querySelector("svg.main-svg"); // plotly paints the paper as the first svg's background
      const m = /rgba?\((\d+), *(\d+), *(\d+)/.exec(svg.style.background || getComputedStyle(svg).backgroundColor);
      return m !== null && Number(m[1]) + Number(m[2]) + Number(m[3]) < 200;
    });
    return { all: all.length, drawn: drawn.length, dark: dark.length };
  });
  const t0 = Date.now();
  let found = await count();
  while (found.drawn < found.all && Date.now() - t0 < WAIT_MS) {
    await page.waitForTimeout(500);
    found = await count();
  }
  await page.waitForTimeout(500); // a theme change redraws each chart
  return count();
}

export const CHAPTER5 = "05-three-optimizers";
const ANSWER_5_1 = 'const updatesPerEpoch = (n: number, b: number | "full") => (b === "full" ? 1 : Math.ceil(n / Math.min(b, n)));';

/**
 * Chapter 5 in the page: an exercise edited, run with the cells it needs, reads "Correct!" and survives a reload;
 * "Run all" runs the chapter top to bottom and its charts draw, in the light and the dark theme; "Download .ipynb"
 * gives a notebook that `npm run grade` grades (5.1 correct). Returns the lines to print, with Run all's time
 * beside the same notebook's in a fresh tslab kernel (`npm run notebooks`), each with the load average.
 */
export async function checkRunnableChapter(open, chapterFile, problems) {
  const lines = [];
  const { context, page } = await open(chapterFile);
  try {
    await page.waitForFunction(() => document.documentElement.getAttribute("data-runnable"), null, { timeout: WAIT_MS });
    // 1. the exercise: type the answer into the cell, run the import cell, the answer and the check
    const { cell: answer, index } = await cellWith(page, /^const updatesPerEpoch/m);
    const checkCell = page.locator("[data-cell]").nth(index + 1);
    await setEditor(page, answer, ANSWER_5_1);
    const first = await runCell(page.locator("[data-cell]").first(), "button");
    if (first.state !== "done") problems.push(`the import cell failed in the page: ${first.output.slice(0, 300)}`);
    const ran = await runCell(answer, "keyboard");
    if (ran.state !== "done") problems.push(`the edited exercise cell failed (Shift+Enter): ${ran.output.slice(0, 300)}`);
    const checked = await runCell(checkCell, "button");
    if (!/Exercise 5\.1: Correct!/.test(checked.output)) problems.push(`check("5.1", …) after the edit printed "${checked.output.trim().slice(0, 200)}", not "Correct!"`);
    else lines.push('exercise 5.1 typed into its cell, run with Shift+Enter: "Correct!"');
    // an error names the cell's line; Stop ends a runaway cell
    const { cell: scratch } = await cellWith(page, /^const errorFraction/m);
    const original = await scratch.locator("[data-editor] .cm-content").innerText();
    await setEditor(page, scratch, "const fine = 1;\nconst oops = (undefined as any).x;");
    const failed = await runCell(scratch, "button");
    if (failed.state !== "error" || !/TypeError/.test(failed.output) || !/cell line 2/.test(failed.output)) problems.push(`a failing cell did not report its error with its line: state ${failed.state}, "${failed.output.slice(0, 200)}"`);
    else lines.push(`an error names its line: "${failed.output.trim().split("\n")[0].slice(0, 110)}"`);
    await setEditor(page, scratch, "while (true) {}");
    await scratch.locator('[data-action="run"]').click();
    await page.waitForTimeout(1000);
    await page.locator('[data-action="stop"]').click();
    const stopped = await page.waitForFunction((el) => el.getAttribute("data-state") === "error", await scratch.elementHandle(), { timeout: 5000 }).then(() => true).catch(() => false);
    if (!stopped) problems.push("Stop did not end a cell running `while (true) {}`");
    await setEditor(page, scratch, original);
    // 2. the edit survives a reload (localStorage)
    await page.waitForTimeout(600);
    await page.reload({ waitUntil: "load" });
    await page.waitForFunction(() => document.documentElement.getAttribute("data-runnable"), null, { timeout: WAIT_MS });
    const kept = await (await cellWith(page, /updatesPerEpoch/)).cell.locator("[data-editor] .cm-content").innerText();
    if (!kept.includes("Math.ceil")) problems.push(`the edited cell lost its edit on reload: "${kept.slice(0, 120)}"`);
    // 3. Run all, timed
    const runAllLoad = loadAverage();
    const t0 = Date.now();
    await page.locator('[data-action="run-all"]').click();
    const result = await page
      .waitForFunction(() => document.documentElement.getAttribute("data-run-all"), null, { timeout: RUN_ALL_TIMEOUT_MS, polling: 500 })
      .then((h) => h.jsonValue())
      .catch(() => `timeout after ${RUN_ALL_TIMEOUT_MS / 1000} s`);
    const pageSeconds = (Date.now() - t0) / 1000;
    const states = await page.locator("[data-cell]").evaluateAll((els) => els.map((e) => e.getAttribute("data-state")));
    if (!String(result).startsWith("done") || states.some((s) => s !== "done")) {
      const bad = await page.locator('[data-cell][data-state="error"] [data-output]').allInnerTexts();
      problems.push(`Run all did not finish (${result}; states ${states.join(" ")}): ${bad.join(" | ").slice(0, 400)}`);
    }
    const charts = await cellCharts(page);
    if (charts.drawn < 6 || charts.drawn < charts.all) problems.push(`after Run all, ${charts.drawn} of the ${charts.all} chart(s) in the cells' outputs drew (expected every one, at least 6)`);
    problems.push(...violationLines(await axeViolations(page), "(after Run all)"));
    // the same charts in the dark theme: redrawn on dark paper when the theme changes, and a cell run again draws
    // its chart dark from the start
    await page.emulateMedia({ colorScheme: "dark" });
    const { cell: again } = await cellWith(page, /^show\(trainingCurves\(probed, \{ x: "seconds"/m);
    const rerun = await runCell(again, "button");
    if (rerun.state !== "done") problems.push(`a chart's cell run again in the dark theme failed: ${rerun.output.slice(0, 200)}`);
    const dark = await cellCharts(page);
    if (dark.drawn < dark.all || dark.dark < dark.all) problems.push(`in the dark theme, ${dark.drawn} of the ${dark.all} chart(s) in the cells' outputs drew, ${dark.dark} on dark paper`);
    problems.push(...violationLines(await axeViolations(page), "(after Run all, dark theme)"));
    await page.emulateMedia({ colorScheme: "light" });
    const correct = await page.locator("[data-output]").allInnerTexts().then((t) => t.join("\n").includes("Exercise 5.1: Correct!"));
    if (!correct) problems.push(`after Run all the kept edit did not give "Exercise 5.1: Correct!"`);
    // 4. download the chapter with the student's code, and grade it
    const [download] = await Promise.all([page.waitForEvent("download", { timeout: WAIT_MS }), page.locator('[data-action="download"]').click()]);
    const dir = mkdtempSync(join(tmpdir(), "check-book-"));
    const file = join(dir, `${CHAPTER5}.ipynb`);
    await download.saveAs(file);
    // the same chapter in the kernel, as `npm run notebooks` runs it (a fresh tslab kernel, its start included)
    const loadBefore = loadAverage();
    const k0 = Date.now();
    const executed = spawnSync(process.execPath, [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), join(ROOT, "scripts", "commands", "notebooks.ts"), "--out", dir, file], { cwd: ROOT, encoding: "utf8", timeout: 900_000 });
    const kernelSeconds = (Date.now() - k0) / 1000;
    if (executed.status !== 0) problems.push(`npm run notebooks on the downloaded notebook: exit ${executed.status}: ${(executed.stderr ?? "").slice(-300)}`);
    const graded = spawnSync("npm", ["run", "--silent", "grade", "--", file], { cwd: ROOT, encoding: "utf8", timeout: 900_000 });
    rmSync(dir, { recursive: true, force: true });
    const status = (id) => new RegExp(`,${id.replace(".", "\\.")},(\\w+)`).exec(graded.stdout ?? "")?.[1] ?? "missing";
    if (graded.status !== 0 || status("5.1") !== "correct" || status("5.2") !== "unanswered") {
      problems.push(`npm run grade on the downloaded notebook: exit ${graded.status}, 5.1 ${status("5.1")}, 5.2 ${status("5.2")}: ${(graded.stderr ?? "").slice(-300)}`);
    } else lines.push(`downloaded ${CHAPTER5}.ipynb graded by npm run grade: 5.1 correct, 5.2 ${status("5.2")}, 5.3 ${status("5.3")}`);
    lines.push(`chapter 5, Run all in the page: ${pageSeconds.toFixed(1)} s (load average before ${runAllLoad}; ${charts.drawn} charts drawn, ${dark.dark} redrawn dark)`);
    lines.push(`chapter 5 in a fresh tslab kernel (npm run notebooks on the downloaded notebook, kernel start included): ${kernelSeconds.toFixed(1)} s ` +
      `(load average before ${loadBefore}); ratio page/kernel ${(pageSeconds / kernelSeconds).toFixed(2)} (goal ≤ 2)`);
  } finally {
    await context.close();
  }
  return lines;
}
