"""Render executed notebooks to HTML fragments for the book (scripts/commands/book.ts calls this).

    python3 scripts/jupyter/book_render.py OUT_DIR NOTEBOOK.ipynb...

For each notebook, OUT_DIR/<name>.html holds its cells as nbconvert's "basic" template gives them
(markdown rendered with its maths left as $...$ for KaTeX in the page, code highlighted by Pygments,
outputs as they were); OUT_DIR/pygments.css is the highlighting's style sheet (light, and dark under
prefers-color-scheme: dark).
"""
import os
import re
import sys

import nbformat
from nbconvert import HTMLExporter
from pygments.formatters import HtmlFormatter


def scrolling_tables(body: str) -> str:
    """Each table in a box of its own that scrolls sideways, so a wide table never widens a phone's page.

    The box can take the keyboard's focus (arrow keys then scroll it), and says what it is to a screen reader.
    """
    count = 0

    def open_box(_: "re.Match[str]") -> str:
        nonlocal count
        count += 1  # each region's name is its own (a screen reader lists them)
        return f'<div class="table-scroll" role="region" tabindex="0" aria-label="Table {count}">\n<table'

    parts = re.split(r"(<script\b.*?</script>)", body, flags=re.S | re.I)  # never inside a script's text
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r"<table\b", open_box, parts[i]).replace("</table>", "</table>\n</div>")
    return "".join(parts)


def main() -> None:
    out_dir, notebooks = sys.argv[1], sys.argv[2:]
    os.makedirs(out_dir, exist_ok=True)
    exporter = HTMLExporter(template_name="basic")
    for path in notebooks:
        try:
            nb = nbformat.read(path, as_version=4)
            body, _ = exporter.from_notebook_node(nb)
            body = body.replace("<th></th>", "<td></td>")  # a Markdown table's blank corner: no empty header cell
            body = scrolling_tables(body)
        except Exception as e:  # every failure names the file, in one line
            why = str(e).splitlines()[0] if str(e) else type(e).__name__
            print(f"book: {path}: cannot render: {why}", file=sys.stderr)
            sys.exit(1)
        name = os.path.splitext(os.path.basename(path))[0]
        with open(os.path.join(out_dir, name + ".html"), "w", encoding="utf-8") as f:
            f.write(body)
    with open(os.path.join(out_dir, "pygments.css"), "w", encoding="utf-8") as f:
        f.write(HtmlFormatter(style="default").get_style_defs(".highlight"))
        # The dark theme (web/book/book.css follows prefers-color-scheme): colours readable on a dark page.
        dark = HtmlFormatter(style="github-dark").get_style_defs(".highlight")
        f.write("\n@media (prefers-color-scheme: dark) {\n" + dark + "\n}\n")


if __name__ == "__main__":
    main()
