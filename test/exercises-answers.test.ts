// The grader reads each exercise's answer by the name the registry gives (`answer`): every chapter notebook's
// answer cell must bind that name, and every solution notebook too (else a right solution grades `unanswered`).
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { exercisesByChapter } from "../lib/course/exercises/index";

const ROOT = join(__dirname, "..");
const code = (path: string): string =>
  (JSON.parse(readFileSync(path, "utf8")).cells as { cell_type: string; source: string | string[] }[])
    .filter((c) => c.cell_type === "code")
    .map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source))
    .join("\n");
const notebookOf = (folder: string, chapter: string): string | undefined =>
  readdirSync(join(ROOT, folder)).find((f) => f.endsWith(".ipynb") && f.startsWith(`${chapter.padStart(2, "0")}-`));

describe("each exercise's answer name", () => {
  for (const [chapter, exercises] of Object.entries(exercisesByChapter())) {
    for (const folder of ["notebooks", join("notebooks", "solutions")]) {
      it(`chapter ${chapter}: bound in ${folder}/`, () => {
        const file = notebookOf(folder, chapter);
        expect(file, `no ${folder}/${chapter.padStart(2, "0")}-….ipynb`).toBeDefined();
        const text = code(join(ROOT, folder, file as string));
        const unbound = exercises.filter((e) => !new RegExp(`\\b(const|let|var|function)\\s+${e.answer}\\b`).test(text)).map((e) => `${e.id}: ${e.answer}`);
        expect(unbound).toEqual([]);
      });
    }
  }
});
