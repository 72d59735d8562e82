// For the browser checks (check-html.mjs, check-book.mjs): run axe-core (npm) in a page and list what it finds
// against WCAG 2.0 and 2.1, levels A and AA, and axe's best practices.

import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const AXE = require.resolve("axe-core/axe.min.js");
export const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

/**
 * axe's violations on the page as it is now: [{ id, impact, help, nodes: [{ target, summary }] }].
 * `exclude`: CSS selectors of parts axe should skip (none by default).
 */
export async function axeViolations(page, { exclude = [] } = {}) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.addScriptTag({ path: AXE });
  return page.evaluate(
    async ({ tags, exclude }) => {
      const context = exclude.length ? { include: [document], exclude: exclude.map((s) => [s]) } : document;
      // preload: false: axe would fetch the style sheets again, which file:// pages may not do (CORS).
      const result = await window.axe.run(context, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"], preload: false });
      return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target.join(" "), summary: (n.failureSummary ?? "").split("\n").slice(0, 3).join(" ") })),
      }));
    },
    { tags: AXE_TAGS, exclude },
  );
}

/** One line per rule broken, with up to three of its elements: for a check's list of problems. */
export function violationLines(violations, where = "") {
  return violations.map((v) => {
    const nodes = v.nodes.slice(0, 3).map((n) => `${n.target}${n.summary ? ` (${n.summary.slice(0, 160)})` : ""}`);
    return `axe ${v.impact ?? ""} ${v.id}${where ? ` ${where}` : ""}: ${v.help}; ${v.nodes.length} element(s): ${nodes.join("; ")}${v.nodes.length > 3 ? "; …" : ""}`;
  });
}

/** How many elements break a rule, over all rules. */
export function violationCount(violations) {
  return violations.reduce((n, v) => n + v.nodes.length, 0);
}

/**
 * Scroll the page from top to bottom so that what draws when it comes into view (the charts) draws.
 * A busy machine can scroll past a chart between two frames, so that its IntersectionObserver never sees it: a
 * second pass brings each chart not yet drawn (a div.nn-plot, or a div handed to Plotly.newPlot, without plotly's
 * svg) into the middle of the screen and waits for it, as a reader who stops at it would, for up to `settleMs` in
 * all. The caller still checks that every chart drew and reports those that did not.
 */
export async function scrollThrough(page, { settleMs = 20_000 } = {}) {
  await page.evaluate(async (settleMs) => {
    // the next frame, or 250 ms if no frame comes (headless Chromium here sometimes stops sending frames to a
    // page that is not being looked at; a chart that then fails to draw is reported by the caller, not waited for)
    const frame = () => new Promise((r) => {
      let done = false;
      const go = () => { if (!done) { done = true; setTimeout(r, 30); } };
      requestAnimationFrame(go);
      setTimeout(go, 250);
    });
    const step = Math.max(200, Math.floor(window.innerHeight * 0.8));
    for (let y = 0; y < document.documentElement.scrollHeight; y += step) {
      window.scrollTo(0, y);
      await frame();
    }
    const undrawn = () => [...new Set([...document.querySelectorAll("div.nn-plot"), ...(window.__plotTargets ?? [])])]
      .filter((d) => d.isConnected && !d.querySelector("svg.main-svg"));
    const until = Date.now() + settleMs;
    for (let left = undrawn(); left.length > 0 && Date.now() < until; left = undrawn()) {
      for (const chart of left) {
        chart.scrollIntoView({ block: "center" });
        const t0 = Date.now();
        await frame();
        while (!chart.querySelector("svg.main-svg") && Date.now() - t0 < 2_000 && Date.now() < until) await frame();
      }
    }
    window.scrollTo(0, 0);
  }, settleMs);
}
