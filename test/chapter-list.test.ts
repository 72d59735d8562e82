// The lists of chapters cannot fall behind the notebooks that exist: the README's "## Chapters" list names every
// notebooks/*.ipynb once, in order, and no other; the welcome chapter builds its table from the folder at run
// time (courseChapters), and that reads each chapter's own title.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { describe, expect, it } from "vitest";
import { chapterTableHtml, courseChapters, notebookTitle } from "../lib/course/chapters";

const ROOT = join(__dirname, "..");
const notebooks = readdirSync(join(ROOT, "notebooks")).filter((f) => f.endsWith(".ipynb")).sort();

/** The `….ipynb` files the README's "## Chapters" section lists, one per bullet, in order. */
function readmeList(readme: string): string[] {
  const start = readme.indexOf("\n## Chapters\n");
  if (start < 0) throw new Error('README.md has no "## Chapters" section');
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^- `([^`]+\.ipynb)`/gm)].map((m) => m[1]);
}

describe("the chapter lists", () => {
  it("README's Chapters section lists exactly the notebooks in notebooks/, in order", () => {
    const listed = readmeList(readFileSync(join(ROOT, "README.md"), "utf8"));
    const missing = notebooks.filter((f) => !listed.includes(f));
    const extra = listed.filter((f) => !notebooks.includes(f));
    expect(
      { missing, extra, order: listed },
      `README.md's "## Chapters" list must have one bullet "- \`NN-name.ipynb\` — what it does" per notebook in notebooks/, ` +
        `in file order. Add: ${missing.join(", ") || "nothing"}; remove: ${extra.join(", ") || "nothing"}.`,
    ).toEqual({ missing: [], extra: [], order: notebooks });
  });

  it("the welcome chapter builds its table from the folder, and holds no hand-written list", () => {
    const cells: Array<{ cell_type: string; source: string[] }> = JSON.parse(readFileSync(join(ROOT, "notebooks", "00-welcome.ipynb"), "utf8")).cells;
    const code = cells.filter((c) => c.cell_type === "code").map((c) => c.source.join("")).join("\n");
    const markdown = cells.filter((c) => c.cell_type === "markdown").map((c) => c.source.join("")).join("\n");
    expect(code).toContain("chapterTableHtml(courseChapters())");
    expect(markdown).not.toMatch(/^\|\s*\d\d\s*\|/m);
  });

  it("courseChapters lists every NN-*.ipynb of the folder with its heading, without 'N · '", () => {
    const chapters = courseChapters(join(ROOT, "notebooks"));
    expect(chapters.map((c) => c.file)).toEqual(notebooks.filter((f) => /^\d+-/.test(f)));
    expect(chapters[0]).toEqual({ file: "00-welcome.ipynb", number: "00", title: "Welcome: a neural network from scratch, in TypeScript" });
    expect(chapters.find((c) => c.number === "09")?.title).toMatch(/^Deeper networks/);
  });

  it("a chapter added to the folder appears in the table, titled by its own heading", () => {
    const dir = mkdtempSync(join(tmpdir(), "chapters-"));
    const nb = (heading: string) => JSON.stringify({ cells: [{ cell_type: "markdown", source: [`${heading}\n`, "text\n"] }] });
    writeFileSync(join(dir, "01-a.ipynb"), nb("# 1 · First <one>"));
    writeFileSync(join(dir, "13-autograd.ipynb"), nb("# 13 · Automatic differentiation"));
    writeFileSync(join(dir, "notation.ipynb"), nb("# Notation"));
    writeFileSync(join(dir, "02-no-heading.ipynb"), JSON.stringify({ cells: [] }));
    const chapters = courseChapters(dir);
    expect(chapters.map((c) => [c.number, c.title])).toEqual([["01", "First <one>"], ["02", "02-no-heading.ipynb"], ["13", "Automatic differentiation"]]);
    const html = chapterTableHtml(chapters);
    expect(html).toContain("<td>13</td><td>Automatic differentiation</td>");
    expect(html).toContain("First &lt;one&gt;");
  });

  it("refuses a folder that is not there, and a file that is not a notebook, saying which", () => {
    expect(() => courseChapters(join(ROOT, "no-such-folder"))).toThrow(/no folder .*no-such-folder/);
    const dir = mkdtempSync(join(tmpdir(), "chapters-"));
    writeFileSync(join(dir, "03-broken.ipynb"), "{ not json");
    expect(() => notebookTitle(join(dir, "03-broken.ipynb"))).toThrow(/03-broken\.ipynb is not a readable notebook/);
  });
});
