// The book's pages:
//   - a chapter's code cells become editors that run in the page: assets/runner.js, loaded after DOMContentLoaded;
//   - plotly.js is loaded when the first chart comes into view (each chart's script calls window.nnLoadPlotly):
//     once, from assets/ (one file, cached by the browser across pages), never blocking the page;
//   - a box that scrolls sideways (code, outputs, wide formulas) can take the keyboard's focus, so it can be
//     scrolled without a mouse;
//   - the maths of the markdown cells is typeset with KaTeX (offline, from assets/katex/): the first screen at
//     once, the rest in short slices after the page is ready. Code and outputs are left alone: a "$" in a
//     printed line is not maths. <html data-math="N"> says it is done (N formulas).
window.nnLoadPlotly = function () {
  if (window.Plotly || document.getElementById("nn-plotly")) return;
  var script = document.createElement("script");
  script.id = "nn-plotly";
  script.src = "assets/plotly.min.js";
  script.async = true;
  script.onerror = function () { console.error("book: assets/plotly.min.js could not be loaded"); };
  document.head.appendChild(script);
};

// The runnable cells (issue 30, web/runner/page.ts): a chapter page carries its notebook (#nb-runnable) and gets
// assets/runner.js once it is ready to read. The script is 1 MB: as a deferred script it would hold back
// DOMContentLoaded; added after it, it costs the reader nothing until the editors appear.
(function () {
  function load() {
    if (!document.getElementById("nb-runnable")) return;
    var script = document.createElement("script");
    script.src = "assets/runner.js";
    script.async = true;
    script.onerror = function () { console.error("book: assets/runner.js could not be loaded"); };
    document.head.appendChild(script);
  }
  if (document.readyState === "complete") load();
  else document.addEventListener("DOMContentLoaded", load); // this script is deferred: it runs before that event
})();

(function () {
  var SCROLLERS = ".input_area, .output_area, .output_subarea, .katex-display, pre, .nnw-scroll";
  function focusable() {
    var list = document.querySelectorAll(SCROLLERS);
    for (var i = 0; i < list.length; i++) {
      var el = list[i];
      var scrolls = el.scrollWidth > el.clientWidth + 1 && /auto|scroll/.test(getComputedStyle(el).overflowX);
      if (scrolls && !el.hasAttribute("tabindex")) {
        el.setAttribute("tabindex", "0");
        el.setAttribute("data-scrolls", "");
      } else if (!scrolls && el.hasAttribute("data-scrolls")) {
        el.removeAttribute("tabindex");
        el.removeAttribute("data-scrolls");
      }
    }
  }
  var timer = 0;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(focusable, 150);
  });
  window.nnFocusableScrollers = focusable;
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(focusable);
  window.addEventListener("load", focusable);
})();

(function () {
  var delimiters = [
    { left: "$$", right: "$$", display: true },
    { left: "\\[", right: "\\]", display: true },
    { left: "\\begin{equation}", right: "\\end{equation}", display: true },
    { left: "\\begin{align}", right: "\\end{align}", display: true },
    { left: "$", right: "$", display: false },
    { left: "\\(", right: "\\)", display: false },
  ];
  // MathJax, which the notebooks are written for, reads z_\max as z_{\max}; KaTeX wants the braces for an
  // operator name in a sub- or superscript. Add them (only for operators, which take no argument).
  var OPERATOR = /([_^])\s*(\\(?:max|min|sup|inf|lim|liminf|limsup|arg|det|log|ln|exp|sin|cos|tan|dim|ker|deg|gcd|Pr))(?![a-zA-Z])/g;
  function preProcess(math) {
    return math.replace(OPERATOR, "$1{$2}");
  }
  function typeset(cell) {
    window.renderMathInElement(cell, {
      delimiters: delimiters,
      throwOnError: false,
      preProcess: preProcess,
      ignoredTags: ["script", "noscript", "style", "textarea", "pre", "code"],
    });
  }
  function done() {
    document.documentElement.setAttribute("data-math", String(document.querySelectorAll(".katex").length));
    if (window.nnFocusableScrollers) window.nnFocusableScrollers(); // typeset formulas may now be wider than their box
  }
  // The first screen (and a half) at once; the rest in slices of ~12 ms between frames, so that the page is
  // ready to read and scroll at once however many formulas the chapter has.
  var cells = document.querySelectorAll(".text_cell_render, .book-prose");
  var rest = [];
  var screen = window.innerHeight * 1.5;
  for (var i = 0; i < cells.length; i++) {
    if (cells[i].getBoundingClientRect().top < screen) typeset(cells[i]);
    else rest.push(cells[i]);
  }
  function next() {
    var start = Date.now();
    while (rest.length && Date.now() - start < 12) typeset(rest.shift());
    if (rest.length) setTimeout(next, 0);
    else done();
  }
  var later = function () { setTimeout(rest.length ? next : done, 0); };
  if (document.readyState === "loading" || document.readyState === "interactive") document.addEventListener("DOMContentLoaded", later);
  else later();
})();
