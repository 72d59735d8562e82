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
  var cells = document.querySelectorAll(".text_cell_render, .book-prose");
  for (var i = 0; i < cells.length; i++) {
    window.renderMathInElement(cells[i], {
      delimiters: delimiters,
      throwOnError: false,
      ignoredTags: ["script", "noscript", "style", "textarea", "pre", "code"],
    });
  }
  document.documentElement.setAttribute("data-math", String(document.querySelectorAll(".katex").length));
})();
