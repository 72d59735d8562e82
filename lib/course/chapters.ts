// The course's chapters as they are on disk: every notebooks/NN-….ipynb, its number and its title (the first
// "# " heading, without its "N · "). The welcome chapter lists them with chapterTableHtml() when it runs, and a
// test holds the README's list to the same files, so neither falls behind when a chapter is added.
import { existsSync, readdirSync, readFileSync } from "fs";
import { join } from "path";

export interface CourseChapter {
  /** "07-beyond-gradient-descent.ipynb" */
  file: string;
  /** "07" */
  number: string;
  /** "Beyond plain gradient descent: momentum, Adam, weight decay, schedules — and 98 %" */
  title: string;
}

/** The NN-*.ipynb files of `dir` (default notebooks/, from the project root where the kernel runs), in order. */
export function courseChapters(dir = "notebooks"): CourseChapter[] {
  if (!existsSync(dir)) throw new Error(`courseChapters: no folder ${dir} here (${process.cwd()}); the kernel runs in the project's root`);
  return readdirSync(dir)
    .filter((f) => /^\d+-.*\.ipynb$/.test(f))
    .sort()
    .map((file) => ({ file, number: file.split("-")[0], title: notebookTitle(join(dir, file)) }));
}

/** The first "# " heading of a notebook's Markdown, without a leading "N · "; the file name if there is none. */
export function notebookTitle(path: string): string {
  let cells: Array<{ cell_type: string; source: string | string[] }>;
  try {
    cells = JSON.parse(readFileSync(path, "utf8")).cells ?? [];
  } catch (e) {
    throw new Error(`notebookTitle: ${path} is not a readable notebook (${(e as Error).message})`);
  }
  for (const cell of cells) {
    if (cell.cell_type !== "markdown") continue;
    const text = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
    const m = /^#\s+(.+)$/m.exec(text);
    if (m) return m[1].replace(/^\d+\s*·\s*/, "").trim();
  }
  return path.split(/[\\/]/).pop() ?? path;
}

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** An HTML table of the chapters (number, title, file), for showHtml() in the welcome chapter. */
export function chapterTableHtml(chapters: CourseChapter[]): string {
  const rows = chapters
    .map((c) => `<tr><td>${escape(c.number)}</td><td>${escape(c.title)}</td><td><code>${escape(c.file)}</code></td></tr>`)
    .join("\n");
  return `<table class="nn-chapters"><thead><tr><th>#</th><th>chapter</th><th>file</th></tr></thead>\n<tbody>\n${rows}\n</tbody></table>`;
}
