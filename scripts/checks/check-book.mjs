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
// Exits non-zero with a message per problem.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromiumPath, ROOT } from "../lib/setup.mjs";
import { launchChromium, NO_CHROMIUM } from "../lib/chromium.mjs";
import { fail, parseCommandLine } from "../lib/cli.mjs";
import { recordPlots } from "../lib/plot-recorder.mjs";

const WAIT_MS = 30_000;
const PLAYGROUND_TARGET = 85; // percent
const PLAYGROUND_TIMEOUT_MS = Number(process.env.PLAYGROUND_TIMEOUT_S ?? 240) * 1000;

const { positionals } = parseCommandLine("check-book", {
  allowPositionals: true,
  help: "Usage: npm run check-book [-- BOOK_DIR]\n\nOpens the built book (default build/book/, from npm run book) in headless Chromium and checks\n" +
    "every page, the digit pad (digits drawn with the mouse) and the playground (trained past 85 %).\n" +
    "PLAYGROUND_TIMEOUT_S (default 240) limits the playground's training.",
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

async function openPage(browser, file, problems) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
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
  try {
    for (const name of pages) {
      const problems = [];
      const started = Date.now();
      const { context, page } = await openPage(browser, join(BOOK, name), problems);
      let extra = "";
      try {
        const { charts, typeset, widgets } = await checkCommon(page, name, problems);
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
          if (typeset === 0 && /\$/.test(readFileSync(join(ROOT, "notebooks", name.replace(/\.html$/, ".ipynb")), "utf8"))) {
            problems.push(`${name}: its notebook has maths but no formula was typeset`);
          }
        }
        if (name === "pad.html") extra = await checkPad(page, problems);
        if (name === "playground.html") extra = await checkPlayground(page, problems);
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        if (problems.length) {
          failed++;
          console.error(`✗ ${name}  (${seconds} s)`);
          for (const p of problems) console.error(`    ${p}`);
        } else {
          console.log(`✓ ${name}  ${charts} chart(s), ${typeset} formula(s), ${widgets} widget(s)  ${seconds} s${extra ? `\n    ${extra}` : ""}`);
        }
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
  }
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
