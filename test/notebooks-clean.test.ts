// Committed notebooks carry no outputs: executed ones weigh megabytes (plotly alone is 4.8 MB), show
// results the reader did not produce, and make every diff noisy. `npm run notebooks:clear` cleans them.
import { readdirSync, readFileSync, statSync } from "fs";
import { join, relative } from "path";
import { describe, expect, it } from "vitest";

const ROOT = join(__dirname, "..");
const NOTEBOOKS = join(ROOT, "notebooks");

function notebookFiles(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (name.startsWith(".")) continue; // .ipynb_checkpoints
    if (statSync(path).isDirectory()) found.push(...notebookFiles(path));
    else if (name.endsWith(".ipynb")) found.push(path);
  }
  return found;
}

interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: unknown[];
  execution_count?: number | null;
}

const text = (source: string | string[]) => (Array.isArray(source) ? source.join("") : source);
const files = notebookFiles(NOTEBOOKS);

describe("committed notebooks", () => {
  it("exist (notebooks/00-welcome.ipynb at least)", () => {
    expect(files.map((f) => relative(ROOT, f))).toContain(join("notebooks", "00-welcome.ipynb"));
  });

  describe.each(files.map((f) => [relative(ROOT, f), f]))("%s", (name, file) => {
    const nb = JSON.parse(readFileSync(file, "utf8"));
    const cells: Cell[] = nb.cells ?? [];

    it("is an nbformat 4 notebook for the project's TypeScript kernel (tslab)", () => {
      expect(nb.nbformat).toBe(4);
      expect(nb.metadata?.kernelspec?.name, `${name}: metadata.kernelspec.name`).toBe("tslab");
      expect(nb.metadata?.kernelspec?.language, `${name}: metadata.kernelspec.language`).toBe("typescript");
    });

    it("has no outputs and no execution counts (clear them: npm run notebooks:clear)", () => {
      const dirty = cells
        .map((c, i) => ({ c, i }))
        .filter(({ c }) => c.cell_type === "code" && ((c.outputs?.length ?? 0) > 0 || (c.execution_count ?? null) !== null))
        .map(({ c, i }) => `cell ${i + 1} (${c.outputs?.length ?? 0} outputs, execution_count ${c.execution_count})`);
      expect(dirty, `${name} was committed with outputs`).toEqual([]);
    });

    it("loads plotly (loadPlotly()) in a cell before its first chart (show(…))", () => {
      const code = cells.filter((c) => c.cell_type === "code").map((c) => text(c.source));
      const firstShow = code.findIndex((s) => /(^|[^\w.])show\(/m.test(s));
      if (firstShow < 0) return;
      const load = code.findIndex((s) => /\bloadPlotly\(\)/.test(s));
      expect(load, `${name}: code cell ${firstShow + 1} calls show() but no earlier cell calls loadPlotly()`).toBeGreaterThanOrEqual(0);
      expect(load, `${name}: loadPlotly() must come before the first show()`).toBeLessThanOrEqual(firstShow);
    });
  });
});
