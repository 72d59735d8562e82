#!/usr/bin/env node
// node scripts/checks/check-book.mjs [build/book]
//
// Opens the built book (npm run book) in headless Chromium from the file system, offline, and checks:
//   - every page: no JavaScript error, nothing loaded from the network, every local link and file present,
//     every plotly chart drawn (svg.main-svg), every formula typeset by KaTeX (no error, no raw $…$ left);
//   - the index lists every chapter of notebooks/, and each chapter links to its neighbours;
//   - the digit pad: strokes of a "1" and a "0" taken from real MNIST test images, drawn with the mouse, are
//     read as 1 and 0; Clear empties it;
//   - the playground: with its defaults, Train takes the test accuracy past 85 %, while the page keeps
//     drawing frames (training runs in a Web Worker); Pause stops it.
//   - accessibility: axe-core finds nothing against WCAG 2.1 A and AA or its best practices on any page (and on
//     the index, a chapter with charts and the pad in the dark theme); the pad draws a "1" and a "0" by
//     keyboard and announces its reading; at 390 and 768 px wide the charts and the pad fit, with no axis
//     titles running into each other; in forced colours the pad's ink, its bars and the charts stay visible;
//   - speed: each page's readiness (DOMContentLoaded) is printed, and a chapter may not take more than a second
//     longer than the index (no script may block it).
//   - the runnable cells (issue 30, web/runner/; scripts/lib/book-cells-check.mjs): every chapter's code cells are [data-cell]s with an editor, a Run
//     button and an output; on chapter 5 an exercise typed into its cell reads "Correct!", an error names its line,
//     Stop ends a runaway cell, edits survive a reload, "Run all" runs the chapter and its charts draw, and the
//     downloaded .ipynb is graded by `npm run grade`; Run all's time is printed beside the kernel's (the downloaded
//     notebook run by `npm run notebooks`), each with the load average.
// Exits non-zero with a message per problem.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromiumPath, ROOT } from "../lib/setup.mjs";
import { launchChromium, NO_CHROMIUM } from "../lib/chromium.mjs";
import { fail, parseCommandLine } from "../lib/cli.mjs";
import { recordPlots } from "../lib/plot-recorder.mjs";
import { axeViolations, scrollThrough, violationCount, violationLines } from "../lib/axe.mjs";
import { CHAPTER5, checkRunnableChapter, checkRunnableMarkup } from "../lib/book-cells-check.mjs";
import { printVerdict } from "../lib/verdict.mjs";

const WAIT_MS = 30_000;
/** The longest time between two reported results (a page, or a step of the runnable cells) before the check gives up. */
const WATCHDOG_MS = 10 * 60_000;
const PLAYGROUND_TARGET = 85; // percent
const PLAYGROUND_TIMEOUT_MS = Number(process.env.PLAYGROUND_TIMEOUT_S ?? 240) * 1000;

const { positionals } = parseCommandLine("check-book", {
  allowPositionals: true,
  help: "Usage: npm run check-book [-- BOOK_DIR]\n\nOpens the built book (default build/book/, from npm run book) in headless Chromium and checks\n" +
    "every page, the digit pad (digits drawn with the mouse) and the playground (trained past 85 %).\n" +
    "PLAYGROUND_TIMEOUT_S (default 240) limits the playground's training; RUN_ALL_TIMEOUT_S (default 600) chapter 5's\n" +
    "\"Run all\" in the page (its cells run there, and the downloaded notebook is graded with npm run grade).",
});
if (positionals.length > 1) fail("check-book", `expected at most one folder, found ${positionals.length} arguments`);
const BOOK = resolve(positionals[0] ?? join(ROOT, "build", "book"));

/** Test images of MNIST (the committed sample: the first 500), as { images: Uint8Array[], labels }. */
function mnistTestSample() {
  const dir = join(ROOT, "data", "mnist-sample");
  const images = gunzipSync(readFileSync(join(dir, "t10k-images-idx3-ubyte.gz")));
  const labels = gunzipSync(readFileSync(join(dir, "t10k-labels-idx1-ubyte.gz")));
  const n = labels.readUInt32BE(4);
  const list = [];
  for (let i = 0; i < n; i++) list.push({ label: labels[8 + i], pixels: images.subarray(16 + 784 * i, 16 + 784 * (i + 1)), index: i });
  return list;
}

/** A digit's ink as mouse strokes: each row's runs of dark pixels, one horizontal stroke a run. */
function strokesOf(pixels, box) {
  const cell = Math.min(box.width, box.height) / 28;
  const strokes = [];
  for (let y = 0; y < 28; y++) {
    let x = 0;
    while (x < 28) {
      if (pixels[y * 28 + x] < 128) { x++; continue; }
      const start = x;
      while (x < 28 && pixels[y * 28 + x] >= 128) x++;
      const cy = box.y + (y + 0.5) * cell;
      strokes.push([[box.x + (start + 0.5) * cell, cy], [box.x + (x - 0.5) * cell, cy]]);
    }
  }
  return strokes;
}

async function drawWithMouse(page, canvas, pixels) {
  const box = await canvas.boundingBox();
  for (const [[x0, y0], [x1, y1]] of strokesOf(pixels, box)) {
    await page.mouse.move(x0, y0);
    await page.mouse.down();
    await page.mouse.move(x1, y1, { steps: Math.max(1, Math.round((x1 - x0) / 8)) });
    await page.mouse.up();
  }
}

async function openPage(browser, file, problems, contextOptions = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOptions });
  const page = await context.newPage();
  await page.route(/^(https?|wss?):/, (route) => {
    problems.push(`the page tried to load ${route.request().url()} (everything must work offline)`);
    return route.abort();
  });
  page.on("pageerror", (e) => problems.push(`JavaScript error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  page.on("requestfailed", (r) => problems.push(`could not load ${r.url()} (${r.failure()?.errorText ?? "failed"})`));
  await recordPlots(page); // every chart plotly is asked to draw, in window.__plotTargets
  await page.goto(pathToFileURL(file).href, { waitUntil: "load", timeout: 120_000 });
  return { context, page };
}

/** Charts, formulas, links and widgets of one page. */
async function checkCommon(page, name, problems) {
  await scrollThrough(page); // charts draw when they come into view
  const charts = await page
    .waitForFunction(() => {
      const all = [...new Set([...document.querySelectorAll("div.nn-plot"), ...(window.__plotTargets ?? [])])];
      return all.every((d) => d.querySelector("svg.main-svg")) ? { n: all.length } : false;
    }, null, { timeout: WAIT_MS, polling: 200 })
    .then(async (h) => (await h.jsonValue()).n)
    .catch(async () => {
      const n = await page.evaluate(() => [...document.querySelectorAll("div.nn-plot")].filter((d) => !d.querySelector("svg.main-svg")).length);
      problems.push(`${n} chart(s) did not draw within ${WAIT_MS / 1000} s`);
      return 0;
    });
  const math = await page
    .waitForFunction(() => document.documentElement.getAttribute("data-math"), null, { timeout: WAIT_MS })
    .then(() =>
      page.evaluate(() => {
        const prose = [...document.querySelectorAll(".text_cell_render, .book-prose")];
        const clone = prose.map((p) => {
          const c = p.cloneNode(true);
          c.querySelectorAll("code, pre, .katex").forEach((e) => e.remove());
          return c.textContent;
        });
        return {
          typeset: document.querySelectorAll(".katex").length,
          errors: [...document.querySelectorAll(".katex-error")].map((e) => e.getAttribute("title") || e.textContent),
          raw: clone.join("\n").match(/\$\$[^$]+\$\$|\$[^$\s][^$\n]*?\$|\\\([^\n]*?\\\)/g) ?? [],
        };
      }),
    )
    .catch(() => {
      problems.push(`KaTeX did not run within ${WAIT_MS / 1000} s (assets/book.js)`);
      return { typeset: 0, errors: [], raw: [] };
    });
  if (math.errors.length) problems.push(`KaTeX could not typeset: ${math.errors.slice(0, 5).join(" | ")}`);
  if (math.raw.length) problems.push(`raw LaTeX left in the text: ${math.raw.slice(0, 5).join("  ")}`);

  const links = await page.evaluate(() => [...document.querySelectorAll("a[href], script[src], link[href]")].map((e) => e.getAttribute("href") ?? e.getAttribute("src")));
  for (const href of links) {
    if (/^(#|[a-z]+:)/i.test(href)) continue;
    if (!existsSync(join(BOOK, href.split("#")[0]))) problems.push(`${name} links to ${href}, which is not in the book`);
  }
  const widgets = await page
    .waitForFunction(() => {
      const roots = [...document.querySelectorAll("[data-digit-pad], [data-playground]")];
      return roots.every((r) => r.hasAttribute("data-mounted") && r.querySelector("canvas")) ? { n: roots.length } : false;
    }, null, { timeout: WAIT_MS })
    .then(async (h) => (await h.jsonValue()).n)
    .catch(() => {
      problems.push("a digit pad or playground on the page did not start (no data-mounted, or no canvas)");
      return 0;
    });
  return { charts, typeset: math.typeset, widgets };
}

async function checkPad(page, problems) {
  const samples = mnistTestSample();
  const pad = page.locator("[data-digit-pad]").first();
  const canvas = pad.locator("canvas").first();
  const prediction = pad.locator("[data-prediction]");
  const results = [];
  for (const digit of [1, 0]) {
    const sample = samples.find((s) => s.label === digit);
    await pad.locator('[data-action="clear"]').click();
    await drawWithMouse(page, canvas, sample.pixels);
    await page.waitForTimeout(300);
    const text = (await prediction.textContent()).trim();
    results.push(`test image ${sample.index} (a ${digit}) drawn → "${text}"`);
    if (!text.startsWith(String(digit))) problems.push(`the pad read MNIST test image ${sample.index}, a ${digit} drawn with the mouse, as "${text}"`);
  }
  await pad.locator('[data-action="clear"]').click();
  const cleared = (await prediction.textContent()).trim();
  if (/^\d/.test(cleared)) problems.push(`after Clear the pad still predicts "${cleared}"`);
  return results.join("; ");
}

async function checkPlayground(page, problems) {
  const root = page.locator("[data-playground]").first();
  const accuracy = root.locator("[data-accuracy]");
  await page.waitForFunction(() => /loaded/.test(document.querySelector("[data-playground] .nnw-status")?.textContent ?? ""), null, { timeout: WAIT_MS });
  // Frames keep coming while it trains: the longest gap between two animation frames is recorded.
  await page.evaluate(() => {
    window.__maxFrameGap = 0;
    let last = performance.now();
    const tick = (t) => {
      window.__maxFrameGap = Math.max(window.__maxFrameGap, t - last);
      last = t;
      if (!window.__stopFrames) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const t0 = Date.now();
  await root.locator('[data-action="train"]').click();
  let value = NaN;
  while (Date.now() - t0 < PLAYGROUND_TIMEOUT_MS) {
    await page.waitForTimeout(500);
    value = parseFloat(await accuracy.textContent());
    if (value >= PLAYGROUND_TARGET) break;
  }
  const seconds = (Date.now() - t0) / 1000;
  const gap = await page.evaluate(() => ((window.__stopFrames = true), window.__maxFrameGap));
  if (!(value >= PLAYGROUND_TARGET)) {
    problems.push(`the playground's test accuracy is ${value} %, not past ${PLAYGROUND_TARGET} % after ${seconds.toFixed(0)} s`);
    return `accuracy ${value} % after ${seconds.toFixed(1)} s`;
  }
  if (gap > 2000) problems.push(`the page froze for ${gap.toFixed(0)} ms while training (it should train in a worker)`);
  // The two curves' canvases hold the lines: count pixels of the test curve's colour (#d9822b).
  const curvePixels = await page.evaluate(() =>
    [...document.querySelectorAll("[data-playground] canvas.nnw-chart")].map((c) => {
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 200 && Math.abs(d[i] - 0xd9) < 30 && Math.abs(d[i + 1] - 0x82) < 30 && Math.abs(d[i + 2] - 0x2b) < 30) n++;
      return n;
    }),
  );
  if (curvePixels.length !== 2 || curvePixels.some((n) => n < 100)) problems.push(`the loss and accuracy curves were not drawn (pixels of the test curve per chart: ${curvePixels.join(", ")})`);
  await root.locator('[data-action="pause"]').click();
  await page.waitForTimeout(300);
  const paused = await root.locator(".nnw-status").textContent();
  await page.waitForTimeout(1500);
  if ((await root.locator(".nnw-status").textContent()) !== paused) problems.push("the playground went on training after Pause");
  return `test accuracy ${value} % after ${seconds.toFixed(1)} s of training (longest frame gap ${gap.toFixed(0)} ms)`;
}

/** When the page was ready to use: DOMContentLoaded, in ms from the start of navigation. */
async function readiness(page) {
  return page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    return nav ? Math.round(nav.domContentLoadedEventEnd) : NaN;
  });
}

/** axe-core's findings on the page as it is (charts drawn), each a problem. */
async function checkAxe(page, problems, where = "") {
  const violations = await axeViolations(page);
  problems.push(...violationLines(violations, where));
  return violationCount(violations);
}

/** Keys that draw on the pad: the pen starts in the middle; moves are in the network's 28 × 28 pixels. */
function keysFor(path) {
  const keys = [];
  let at = [14, 14];
  const go = ([x, y]) => {
    while (at[0] < x) { keys.push("ArrowRight"); at[0]++; }
    while (at[0] > x) { keys.push("ArrowLeft"); at[0]--; }
    while (at[1] < y) { keys.push("ArrowDown"); at[1]++; }
    while (at[1] > y) { keys.push("ArrowUp"); at[1]--; }
  };
  go(path[0]);
  keys.push("Space");
  for (const p of path.slice(1)) go(p);
  keys.push("Space");
  return keys;
}

const KEY_DIGITS = [
  { digit: 1, path: [[14, 4], [14, 24]] },
  { digit: 0, path: [[14, 4], [9, 7], [8, 14], [9, 21], [14, 24], [19, 21], [20, 14], [19, 7], [14, 4]] },
];

/** The pad by keyboard: Tab reaches it, the arrows and Space draw a 1 and a 0, the live region says the reading. */
async function checkPadKeyboard(page, problems) {
  const pad = page.locator("[data-digit-pad]").first();
  const canvas = pad.locator("canvas").first();
  const results = [];
  // Tab from the clear button's predecessor: the canvas must be reachable by Tab alone.
  await page.evaluate(() => document.activeElement?.blur());
  let reached = false;
  for (let i = 0; i < 40 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await canvas.evaluate((c) => document.activeElement === c);
  }
  if (!reached) problems.push("Tab never reaches the digit pad's drawing surface");
  for (const { digit, path } of KEY_DIGITS) {
    await pad.locator('[data-action="clear"]').click();
    await canvas.focus();
    for (const key of keysFor(path)) await page.keyboard.press(key);
    await page.waitForTimeout(300);
    const text = (await pad.locator("[data-prediction]").textContent()).trim();
    const spoken = (await pad.locator('[role="status"]').textContent()).trim();
    results.push(`a ${digit} by keyboard → "${text}" (announced: "${spoken}")`);
    if (!text.startsWith(String(digit))) problems.push(`the pad read a ${digit} drawn by keyboard as "${text}"`);
    if (!spoken.includes(`reads ${digit}`)) problems.push(`after a ${digit} drawn by keyboard the live region says "${spoken}"`);
  }
  const sample = pad.locator('[data-action="sample"]');
  await sample.click();
  await page.waitForTimeout(200);
  const said = (await pad.locator('[role="status"]').textContent()).trim();
  const m = /a (\d)\. The network reads (\d)/.exec(said);
  if (!m) problems.push(`the "Test digit" button put no announced digit on the pad (live region: "${said}")`);
  else results.push(`test digit: "${said}"`);
  await pad.locator('[data-action="clear"]').click();
  return results.join("; ");
}

/** At a phone's and a tablet's width: nothing wider than the screen, charts and pad inside it, axis titles apart. */
async function checkNarrow(browser, file, width, problems, name) {
  const { context, page } = await openPage(browser, file, problems, { viewport: { width, height: 900 }, isMobile: width < 500, hasTouch: width < 500 });
  try {
    await scrollThrough(page);
    await page.waitForFunction(() => [...document.querySelectorAll("div.nn-plot")].every((d) => d.querySelector("svg.main-svg")), null, { timeout: WAIT_MS, polling: 200 }).catch(() => {});
    await page.waitForTimeout(500); // a chart's axis titles are fitted after it draws
    const found = await page.evaluate(() => {
      const out = [];
      const vw = document.documentElement.clientWidth;
      if (document.documentElement.scrollWidth > vw + 1) out.push(`the page is ${document.documentElement.scrollWidth} px wide, wider than the screen (${vw} px)`);
      for (const el of document.querySelectorAll("div.nn-plot, .nnw-pad-canvas, .nnw-chart")) {
        const r = el.getBoundingClientRect();
        if (r.right > vw + 1 || r.left < -1) out.push(`${el.id || el.className} runs off the screen (${Math.round(r.left)}–${Math.round(r.right)} px of ${vw})`);
      }
      for (const plot of document.querySelectorAll("div.nn-plot")) {
        const svg = plot.querySelector("svg.main-svg");
        if (!svg) continue;
        const box = svg.getBoundingClientRect();
        const titles = [...plot.querySelectorAll(".infolayer [class*='title'] text")].map((t) => ({ r: t.getBoundingClientRect(), text: t.textContent })).filter((t) => t.r.width > 0);
        for (const t of titles) if (t.r.left < box.left - 1 || t.r.right > box.right + 1) out.push(`${plot.id}: the title "${t.text}" is clipped`);
        for (let i = 0; i < titles.length; i++)
          for (let j = i + 1; j < titles.length; j++) {
            const a = titles[i].r, b = titles[j].r;
            if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) out.push(`${plot.id}: the axis titles "${titles[i].text}" and "${titles[j].text}" overlap`);
          }
      }
      return out;
    });
    for (const f of found) problems.push(`${name} at ${width} px: ${f}`);
  } finally {
    await context.close();
  }
}

/** In forced colours (Windows high contrast): the pad's ink and bars, and a chart, still show. */
/** Gives the page `window.pngPixels(base64)`: a PNG (a screenshot) decoded by the page's canvas, as its RGBA bytes. */
async function addPngPixels(page) {
  await page.evaluate(() => {
    window.pngPixels = async (png) => {
      const img = new Image();
      img.src = `data:image/png;base64,${png}`;
      await img.decode();
      const c = document.createElement("canvas");
      c.width = img.width; c.height = img.height;
      const g = c.getContext("2d");
      g.drawImage(img, 0, 0);
      return g.getImageData(0, 0, c.width, c.height).data;
    };
  });
}

async function checkForcedColours(browser, padFile, chartFile, problems) {
  const results = [];
  {
    const { context, page } = await openPage(browser, padFile, problems, { forcedColors: "active", colorScheme: "dark" });
    try {
      await page.waitForSelector("[data-digit-pad][data-mounted]");
      const pad = page.locator("[data-digit-pad]").first();
      const canvas = pad.locator("canvas").first();
      await canvas.focus();
      for (const key of keysFor(KEY_DIGITS[0].path)) await page.keyboard.press(key);
      await page.waitForTimeout(300);
      const shot = await canvas.screenshot();
      const bars = await pad.locator(".nnw-bar.nnw-top > div").screenshot().catch(() => null);
      await addPngPixels(page);
      const { dark, light } = await page.evaluate(async ([a, b]) => {
        const count = async (png) => {
          if (!png) return [0, 0];
          const d = await window.pngPixels(png);
          let dark = 0, light = 0;
          for (let i = 0; i < d.length; i += 4) { const v = d[i] + d[i + 1] + d[i + 2]; if (v < 150) dark++; else if (v > 600) light++; }
          return [dark, light];
        };
        const [inkDark, inkLight] = await count(a);
        const [barDark, barLight] = await count(b);
        return { dark: [inkDark, barDark], light: [inkLight, barLight] };
      }, [shot.toString("base64"), bars ? bars.toString("base64") : null]);
      if (dark[0] < 200 || light[0] < 200) problems.push(`forced colours: the pad's ink does not stand out (${dark[0]} dark and ${light[0]} light pixels)`);
      if (!bars) problems.push("forced colours: the top probability bar is not drawn");
      results.push(`forced colours: pad ${dark[0]} ink pixels on ${light[0]} paper pixels`);
    } finally {
      await context.close();
    }
  }
  if (chartFile) {
    const { context, page } = await openPage(browser, chartFile, problems, { forcedColors: "active" });
    try {
      const plot = page.locator("div.nn-plot").first();
      await plot.scrollIntoViewIfNeeded();
      await page.waitForFunction(() => document.querySelector("div.nn-plot svg.main-svg"), null, { timeout: WAIT_MS });
      await page.waitForTimeout(300);
      const shot = await plot.screenshot();
      await addPngPixels(page);
      const colours = await page.evaluate(async (png) => {
        const d = await window.pngPixels(png);
        const seen = new Map();
        for (let i = 0; i < d.length; i += 4) { const k = (d[i] >> 4) * 256 + (d[i + 1] >> 4) * 16 + (d[i + 2] >> 4); seen.set(k, (seen.get(k) ?? 0) + 1); }
        return [...seen.values()].filter((n) => n > 30).length;
      }, shot.toString("base64"));
      if (colours < 3) problems.push(`forced colours: the first chart of ${chartFile} shows only ${colours} colour(s)`);
      results.push(`a chart in forced colours: ${colours} colours`);
    } finally {
      await context.close();
    }
  }
  return results.join("; ");
}

async function main() {
  if (!existsSync(join(BOOK, "index.html"))) {
    console.error(`check-book: ${BOOK}/index.html not found: run \`npm run book\` first`);
    process.exit(1);
  }
  if (!chromiumPath()) {
    console.error(`check-book: ${NO_CHROMIUM}`);
    process.exit(1);
  }
  const pages = readdirSync(BOOK).filter((f) => f.endsWith(".html")).sort();
  const chapters = readdirSync(join(ROOT, "notebooks")).filter((f) => /^\d+.*\.ipynb$/.test(f)).sort().map((f) => f.replace(/\.ipynb$/, ".html"));
  const browser = await launchChromium();
  let failed = 0;
  const ready = {}; // page → ms to DOMContentLoaded
  const axeFound = {}; // page → elements axe flagged
  // A browser that stops answering would otherwise hold the check (and CI) until an outer limit: fail after
  // WATCHDOG_MS of no reported result, saying what came last.
  let last = "the first page";
  const watchdog = () => setTimeout(() => {
    console.error(`check-book: no result for ${WATCHDOG_MS / 60_000} minutes after ${last}: the browser stopped answering`);
    process.exit(1);
  }, WATCHDOG_MS).unref();
  let timer = watchdog();
  const report = (name, problems, line) => {
    last = name;
    clearTimeout(timer);
    timer = watchdog();
    if (problems.length) {
      failed++;
      console.error(`✗ ${name}`);
      for (const p of problems) console.error(`    ${p}`);
    } else console.log(`✓ ${name}  ${line}`);
  };
  try {
    for (const name of pages) {
      const problems = [];
      const started = Date.now();
      const { context, page } = await openPage(browser, join(BOOK, name), problems);
      let extra = "";
      try {
        ready[name] = await readiness(page);
        const blocking = (readFileSync(join(BOOK, name), "utf8").match(/<script\b[^>]*\bsrc=[^>]*>/g) ?? []).filter((t) => !/\b(defer|async)\b/.test(t));
        if (blocking.length) problems.push(`${name} loads script(s) that block the page (no defer or async): ${blocking.join(" ")}`);
        if (/src="assets\/plotly\.min\.js"/.test(readFileSync(join(BOOK, name), "utf8"))) problems.push(`${name} loads plotly.js itself: book.js loads it when a chart comes into view`);
        const { charts, typeset, widgets } = await checkCommon(page, name, problems);
        axeFound[name] = await checkAxe(page, problems);
        if (name === "index.html") {
          const hrefs = await page.evaluate(() => [...document.querySelectorAll("a[href]")].map((a) => a.getAttribute("href")));
          for (const c of [...chapters, "pad.html", "playground.html"]) if (!hrefs.includes(c)) problems.push(`the index does not link to ${c}`);
        } else if (chapters.includes(name)) {
          const rel = await page.evaluate(() => [...document.querySelectorAll('a[rel="prev"], a[rel="next"]')].map((a) => a.getAttribute("href")));
          const i = chapters.indexOf(name);
          const want = [i > 0 ? chapters[i - 1] : null, i + 1 < chapters.length ? chapters[i + 1] : "pad.html"].filter(Boolean);
          for (const w of want) if (!rel.includes(w)) problems.push(`${name} has no previous/next link to ${w}`);
          // Code highlighted: keyword spans inside the code cells, coloured by assets/pygments.css.
          const keywords = await page.evaluate(() => {
            const k = document.querySelector(".input_area .highlight .k, .input_area .highlight .kd");
            return k ? { n: document.querySelectorAll(".input_area .highlight .k, .input_area .highlight .kd").length, color: getComputedStyle(k).color } : { n: 0, color: "" };
          });
          if (keywords.n === 0 || keywords.color === "rgb(0, 0, 0)") problems.push(`${name}: the code is not highlighted (${keywords.n} keyword spans, colour ${keywords.color})`);
          await checkRunnableMarkup(page, name, problems); // the runnable cells (issue 30)
          if (typeset === 0 && /\$/.test(readFileSync(join(ROOT, "notebooks", name.replace(/\.html$/, ".ipynb")), "utf8"))) {
            problems.push(`${name}: its notebook has maths but no formula was typeset`);
          }
        }
        if (name === "pad.html") extra = `${await checkPad(page, problems)}\n    ${await checkPadKeyboard(page, problems)}`;
        if (name === "playground.html") extra = await checkPlayground(page, problems);
        failed += printVerdict(name, started, problems, (seconds) =>
          `${charts} chart(s), ${typeset} formula(s), ${widgets} widget(s), ready in ${ready[name]} ms, no axe violation  ${seconds} s${extra ? `\n    ${extra}` : ""}`);
      } finally {
        await context.close();
      }
    }
    // Every display: the dark theme (axe again), phone and tablet widths, forced colours.
    const withCharts = pages.filter((f) => chapters.includes(f) && readFileSync(join(BOOK, f), "utf8").includes('class="nn-plot"'));
    const busiest = [...withCharts].sort((a, b) => readFileSync(join(BOOK, b), "utf8").split('class="nn-plot"').length - readFileSync(join(BOOK, a), "utf8").split('class="nn-plot"').length)[0];
    for (const name of ["index.html", busiest, "pad.html"].filter((f) => f && pages.includes(f))) {
      const problems = [];
      const { context, page } = await openPage(browser, join(BOOK, name), problems, { colorScheme: "dark" });
      try {
        await checkCommon(page, name, problems);
        const n = await checkAxe(page, problems, "(dark theme)");
        const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        if (bg === "rgb(255, 255, 255)") problems.push("the dark theme did not apply (the page is white)");
        report(`${name} in the dark theme`, problems, `background ${bg}, ${n} axe violation(s)`);
      } finally {
        await context.close();
      }
    }
    for (const width of [390, 768]) {
      const problems = [];
      const checked = [...withCharts, "pad.html", "playground.html"].filter((f) => pages.includes(f));
      for (const name of checked) await checkNarrow(browser, join(BOOK, name), width, problems, name).catch((e) => problems.push(`${name}: ${e.message}`));
      report(`${width} px wide`, problems, `${checked.length} pages: charts, pad and playground fit, no axis titles overlap`);
    }
    if (pages.includes("pad.html")) {
      const problems = [];
      const line = await checkForcedColours(browser, join(BOOK, "pad.html"), busiest ? join(BOOK, busiest) : null, problems);
      report("forced colours", problems, line);
    }
    // Quick to open: each page's readiness again, the best of three loads (a busy machine adds noise, never
    // takes time away), for the index and every chapter.
    for (const name of pages.filter((f) => f === "index.html" || chapters.includes(f))) {
      const times = [];
      for (let k = 0; k < 3; k++) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        const page = await context.newPage();
        await page.route(/^(https?|wss?):/, (route) => route.abort());
        await page.goto(pathToFileURL(join(BOOK, name)).href, { waitUntil: "domcontentloaded", timeout: 120_000 });
        await page.waitForLoadState("load");
        times.push(await readiness(page));
        await context.close();
      }
      ready[name] = Math.min(...times);
    }
    if (pages.includes(`${CHAPTER5}.html`)) {
      const problems = [];
      const started = Date.now();
      const lines = await checkRunnableChapter((file) => openPage(browser, file, problems), join(BOOK, `${CHAPTER5}.html`), problems).catch((e) => (problems.push(`runnable cells: ${e.message}`), []));
      const all = problems.length ? [...lines, ...problems] : problems;
      failed += printVerdict(`${CHAPTER5}.html, its cells run in the page`, started, all, (seconds) => `${seconds} s\n${lines.map((l) => `    ${l}`).join("\n")}`);
    }
  } finally {
    await browser.close();
  }
  // Quick to open: a chapter ready within a second of the index (no blocking script).
  const chapterTimes = pages.filter((f) => chapters.includes(f)).map((f) => [f, ready[f]]).filter(([, t]) => Number.isFinite(t));
  if (Number.isFinite(ready["index.html"]) && chapterTimes.length) {
    const sorted = chapterTimes.map(([, t]) => t).sort((a, b) => a - b);
    const [slowName, slowest] = chapterTimes.reduce((a, b) => (b[1] > a[1] ? b : a));
    console.log(`ready (DOMContentLoaded, file://, best of 3 loads): index ${ready["index.html"]} ms; chapters median ${sorted[Math.floor(sorted.length / 2)]} ms, slowest ${slowest} ms (${slowName})`);
    if (slowest > ready["index.html"] + 1000) {
      failed++;
      console.error(`✗ ${slowName} is ready ${slowest - ready["index.html"]} ms after the index: a script blocks it`);
    }
  }
  console.log(`axe: ${Object.values(axeFound).reduce((a, b) => a + b, 0)} element(s) flagged on ${Object.keys(axeFound).length} page(s)`);
  if (failed) {
    console.error(`check-book: ${failed} of ${pages.length} page(s) failed`);
    process.exit(1);
  }
  console.log(`check-book: all ${pages.length} pages passed`);
}

main().catch((e) => {
  console.error(`check-book: ${e.stack || e}`);
  process.exit(1);
});
