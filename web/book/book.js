// The book's pages: typeset the maths of the markdown cells with KaTeX (offline, from assets/katex/).
// Code and outputs are left alone: a "$" in a printed line is not maths.
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
  var cells = document.querySelectorAll(".text_cell_render, .book-prose");
  for (var i = 0; i < cells.length; i++) {
    window.renderMathInElement(cells[i], {
      delimiters: delimiters,
      throwOnError: false,
      preProcess: preProcess,
      ignoredTags: ["script", "noscript", "style", "textarea", "pre", "code"],
    });
  }
  document.documentElement.setAttribute("data-math", String(document.querySelectorAll(".katex").length));
})();
