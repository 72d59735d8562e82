// For the browser checks (check-html.mjs, check-book.mjs): record every chart plotly is asked to draw, whoever
// asks, so a check can then look for an svg.main-svg in each. Call before the page loads.

/** Wraps window.Plotly.newPlot as soon as plotly sets it; the targets end up in window.__plotTargets. */
export async function recordPlots(page) {
  await page.addInitScript(() => {
    const targets = [];
    window.__plotTargets = targets;
    let plotly;
    Object.defineProperty(window, "Plotly", {
      configurable: true,
      get: () => plotly,
      set: (value) => {
        plotly = value;
        if (value && typeof value.newPlot === "function" && !value.newPlot.__recorded) {
          const newPlot = value.newPlot;
          value.newPlot = function (el, ...rest) {
            const node = typeof el === "string" ? document.getElementById(el) : el;
            if (node) targets.push(node);
            return newPlot.call(this, el, ...rest);
          };
          value.newPlot.__recorded = true;
        }
      },
    });
  });
}
