#!/usr/bin/env node
// node scripts/checks/check-html.mjs [build/html/*.html ...]
//
// Opens each exported notebook (default: every build/html/*.html) in headless Chromium, offline, and
// checks what a student would see:
//   - every plotly chart drew (its div holds an svg.main-svg);
//   - every LaTeX formula rendered: MathJax ran, produced its output elements where the notebook has
//     math, reported no TeX error, and no raw `$…$` is left in the text;
//   - every digit pad and playground (lib/course/widgets.ts) started: mounted, with its canvas;
//   - the page threw no JavaScript error and loaded nothing from the network;
//   - axe-core finds nothing against WCAG 2.1 A and AA or its best practices (every chart a <figure> with its
//     caption and data table, every control labelled, the page in a landmark, readable contrast).
// Exits non-zero with a message per problem.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromiumPath, ROOT } from "../lib/setup.mjs";
import { launchChromium, NO_CHROMIUM } from "../lib/chromium.mjs";
import { fail, parseCommandLine } from "../lib/cli.mjs";
import { recordPlots } from "../lib/plot-recorder.mjs";
import { axeViolations, scrollThrough, violationCount, violationLines } from "../lib/axe.mjs";
import { printVerdict } from "../lib/verdict.mjs";

const CHART_TIMEOUT_MS = 30_000;
const MATHJAX_TIMEOUT_MS = 30_000;

function htmlFiles(args) {
  for (const a of args) {
    if (!existsSync(a)) fail("check-html", `no such file: ${a}`);
    if (!statSync(a).isFile() || !/\.html?$/i.test(a)) fail("check-html", `${a}: expected an HTML file (.html)`);
  }
  if (args.length > 0) return args.map((a) => resolve(a));
  const dir = join(ROOT, "build", "html");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".html"))
    .sort()
    .map((f) => join(dir, f));
}

/** Formulas in the notebook's markdown cells ($…$, $$…$$, \(…\), \[…\]), from the executed copy beside the HTML. */
function notebookMath(htmlFile) {
  const ipynb = join(ROOT, "build", "notebooks", basename(htmlFile).replace(/\.html$/, ".ipynb"));
  if (!existsSync(ipynb)) return null;
  const nb = JSON.parse(readFileSync(ipynb, "utf8"));
  let count = 0;
  for (const cell of nb.cells ?? []) {
    if (cell.cell_type !== "markdown") continue;
    const text = (Array.isArray(cell.source) ? cell.source.join("") : cell.source)
      .replace(/```[\s\S]*?```/g, "")
      .replace(/`[^`\n]*`/g, "");
    count += (text.match(/\$\$[\s\S]+?\$\$|\$[^$\n]+?\$|\\\([\s\S]+?\\\)|\\\[[\s\S]+?\\\]/g) ?? []).length;
  }
  return count;
}

async function checkPage(browser, file) {
  const problems = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  // Offline: everything must come from local files.
  await page.route(/^(https?|wss?):/, (route) => {
    problems.push(`the page tried to load ${route.request().url()} (everything must work offline)`);
    return route.abort();
  });
  page.on("pageerror", (e) => problems.push(`JavaScript error on the page: ${e.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console error: ${msg.text()}`);
  });
  page.on("requestfailed", (r) => {
    if (r.url().startsWith("file:")) problems.push(`could not load ${r.url()} (${r.failure()?.errorText ?? "failed"})`);
  });
  await recordPlots(page); // every chart plotly is asked to draw, in window.__plotTargets

  await page.goto(pathToFileURL(file).href, { waitUntil: "load", timeout: 120_000 });
  await scrollThrough(page); // charts draw when they come into view

  // Charts: the divs show() made (class nn-plot) and every div handed to Plotly.newPlot.
  const charts = await page
    .waitForFunction(
      () => {
        const divs = new Set([...document.querySelectorAll("div.nn-plot"), ...(window.__plotTargets ?? [])]);
        const all = [...divs];
        const drawn = all.filter((d) => d.querySelector("svg.main-svg"));
        return all.length === drawn.length ? { total: all.length } : false;
      },
      null,
      { timeout: CHART_TIMEOUT_MS, polling: 200 },
    )
    .then((h) => h.jsonValue())
    .catch(async () => {
      const undrawn = await page.evaluate(() => {
        const divs = new Set([...document.querySelectorAll("div.nn-plot"), ...(window.__plotTargets ?? [])]);
        return [...divs]
          .filter((d) => !d.querySelector("svg.main-svg"))
          .map((d) => `#${d.id || "(no id)"}${d.textContent ? ` says "${d.textContent.trim().slice(0, 160)}"` : ""}`);
      });
      problems.push(`${undrawn.length} chart(s) did not draw within ${CHART_TIMEOUT_MS / 1000} s: ${undrawn.join("; ")}`);
      return { total: undrawn.length };
    });
  // A chart script in the page that never reached Plotly.newPlot (e.g. plotly.js missing) leaves no trace
  // in the list above: compare with the scripts that ask for a chart.
  const asked = await page.evaluate(
    () => [...document.querySelectorAll("script")].filter((s) => s.text.length < 100_000 && /\.newPlot\(/.test(s.text)).length,
  );
  const recorded = await page.evaluate(() => (window.__plotTargets ?? []).length);
  if (recorded < asked) problems.push(`${asked} chart script(s) on the page but only ${recorded} reached Plotly.newPlot`);

  // Formulas.
  const expectedMath = notebookMath(file);
  const math = await page
    .waitForFunction(
      () =>
        new Promise((resolveDone) => {
          const mj = window.MathJax;
          if (!mj || !mj.Hub || !mj.Hub.Queue) return resolveDone({ mathjax: false });
          mj.Hub.Queue(() => resolveDone({ mathjax: true }));
        }),
      null,
      { timeout: MATHJAX_TIMEOUT_MS },
    )
    .then((h) => h.jsonValue())
    .catch(() => ({ mathjax: false, timeout: true }));
  const found = await page.evaluate(() => {
    const rendered = document.querySelectorAll(".MathJax, .MathJax_CHTML, .MathJax_SVG, .MathJax_Display, mjx-container").length;
    const errors = [...document.querySelectorAll(".MathJax_Error, merror, .mjx-merror")].map((e) => e.textContent.trim());
    const texts = [...document.querySelectorAll(".jp-MarkdownOutput, .text_cell_render, .jp-RenderedMarkdown")]
      .map((e) => e.innerText)
      .join("\n");
    const raw = texts.match(/\$\$[^$]+\$\$|\$[^$\s][^$\n]*?\$|\\\([^\n]*?\\\)/g) ?? [];
    return { rendered, errors, raw };
  });
  if (math.timeout) problems.push(`MathJax did not finish within ${MATHJAX_TIMEOUT_MS / 1000} s`);
  if (expectedMath && !math.mathjax) problems.push(`the notebook has ${expectedMath} formula(s) but MathJax is not on the page`);
  if (expectedMath && found.rendered === 0) problems.push(`the notebook has ${expectedMath} formula(s) but MathJax rendered none`);
  if (found.errors.length) problems.push(`MathJax reported TeX errors: ${found.errors.join("; ")}`);
  if (found.raw.length) problems.push(`raw LaTeX left in the text: ${found.raw.slice(0, 5).join("  ")}`);

  // The in-page widgets (lib/course/widgets.ts: drawDigit, playground) started: each root is mounted and has its canvas.
  const widgets = await page
    .waitForFunction(
      () => {
        const roots = [...document.querySelectorAll("[data-digit-pad], [data-playground]")];
        return roots.every((r) => r.hasAttribute("data-mounted") && r.querySelector("canvas")) ? { n: roots.length } : false;
      },
      null,
      { timeout: CHART_TIMEOUT_MS, polling: 200 },
    )
    .then(async (h) => (await h.jsonValue()).n)
    .catch(() => {
      problems.push("a digit pad or playground did not start (its root has no data-mounted or no canvas)");
      return 0;
    });

  // Accessibility, with everything drawn and started.
  const violations = await axeViolations(page);
  problems.push(...violationLines(violations));

  await context.close();
  return { problems, charts: charts.total, formulas: found.rendered, expectedMath, widgets, axe: violationCount(violations) };
}

async function main() {
  const { positionals } = parseCommandLine("check-html", {
    allowPositionals: true,
    help: "Usage: npm run check-html [-- files.html ...]\n\nOpens each page (default build/html/*.html) in headless Chromium and checks charts, formulas and errors.",
  });
  const files = htmlFiles(positionals);
  if (files.length === 0) {
    console.error("check-html: no HTML to check (run `npm run notebooks -- --html` first)");
    process.exit(1);
  }
  if (!chromiumPath()) {
    console.error(`check-html: ${NO_CHROMIUM}`);
    process.exit(1);
  }
  const browser = await launchChromium();
  let failed = 0;
  try {
    for (const file of files) {
      const started = Date.now();
      const { problems, charts, formulas, expectedMath, widgets } = await checkPage(browser, file);
      const name = file.startsWith(ROOT) ? file.slice(ROOT.length + 1) : file;
      failed += printVerdict(name, started, problems, (seconds) =>
        `${charts} chart(s) drawn, ${formulas} MathJax element(s) for ${expectedMath ?? "?"} formula(s)${widgets ? `, ${widgets} widget(s) started` : ""}, no axe violation  ${seconds} s`);
    }
  } finally {
    await browser.close();
  }
  if (failed) {
    console.error(`check-html: ${failed} of ${files.length} page(s) failed`);
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(`check-html: ${String(e?.message ?? e).split("\n")[0]}`); // one line; the page-by-page report is above
  process.exit(1);
});
