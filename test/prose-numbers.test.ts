// Every quantitative number in a chapter's text is backed by the chapter itself.
//
// The rule (DESIGN.md, "the prose states only what the notebook shows"): a number a Markdown cell states as a
// finding must be asserted by a claim(...) in a code cell of the SAME notebook, or be marked as a definition.
// This test reads every Markdown cell of notebooks/*.ipynb and notebooks/solutions/*.ipynb and finds (see
// test/prose-numbers.ts for the patterns):
//   percentages ("15 %", "a few percent"), multiples ("3× faster", "tenfold", "80-fold", "26 times"),
//   counts of updates, steps, parameters, weights or iterations ("1,876 updates"), and orders of magnitude
//   ("19 orders of magnitude", "$10^{-2}$", "10⁻²", "1e-17").
// A number passes when
//   1. a claim in the notebook's code backs it: its label mentions the same phrase or value
//      (claim("the loss explodes within two updates", …)), or its expectation holds the value as a literal
//      ({ near: 0.15, within: 0.005 } backs "15 %"); or
//   2. it follows "=": "α = 10⁻³" and "p = 50 %" set a value; or
//   3. its cell marks it as a definition with an HTML comment (invisible in Jupyter and in the book):
//        <!-- given: every 5 updates, ε = 10^{-5} -->
//      Use it for settings the chapter chooses, definitions, and arithmetic the sentence itself shows —
//      never for a result that a run produces (claim those). Machine-dependent numbers (seconds, GFLOP/s)
//      do not belong in the text at all: print them from a cell.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { join, relative } from "path";
import { describe, expect, it } from "vitest";
import { claimsIn, findNumbers, unclaimedNumbers } from "./prose-numbers";

const ROOT = join(__dirname, "..");
const RULE =
  "Each quantitative number in a notebook's Markdown (a percentage, a multiple such as 3× / tenfold / 26 times, a count of " +
  "updates, steps, parameters or weights, an order of magnitude such as 10⁻²) must be backed by a claim(...) in a code cell " +
  "of the same notebook whose label names the number or whose expectation holds its value, e.g. " +
  'claim("the dev loss ends more than 10 % above its minimum", ratio, { atLeast: 1.1 }). A setting or definition, not a ' +
  "result, is marked in its cell with an HTML comment: <!-- given: batches of 64, ε = 10^{-5} -->. See test/prose-numbers.test.ts.";

interface Cell {
  cell_type: string;
  source: string | string[];
}
const text = (s: string | string[]) => (Array.isArray(s) ? s.join("") : s);

function notebooks(): string[] {
  const list = (dir: string) =>
    readdirSync(join(ROOT, dir))
      .filter((f) => f.endsWith(".ipynb") && !f.startsWith("."))
      .sort()
      .map((f) => join(ROOT, dir, f));
  return [...list("notebooks"), ...list(join("notebooks", "solutions"))];
}

/** "notebooks/09-….ipynb, cell 12: "tenfold" (multiple)" for every number the notebook does not back. */
export function problemsOf(file: string): string[] {
  const cells: Cell[] = JSON.parse(readFileSync(file, "utf8")).cells ?? [];
  const claims = cells.filter((c) => c.cell_type === "code").flatMap((c) => claimsIn(text(c.source)));
  const out: string[] = [];
  cells.forEach((cell, i) => {
    if (cell.cell_type !== "markdown") return;
    for (const f of unclaimedNumbers(text(cell.source), claims)) out.push(`${relative(ROOT, file)}, cell ${i}: "${f.text}" (${f.kind})`);
  });
  return out;
}

describe("the detector", () => {
  const kinds = (s: string) => findNumbers(s).map((f) => `${f.kind}:${f.text}`);

  it("finds percentages, multiples, counts and orders of magnitude", () => {
    expect(kinds("It reaches 97.8 % on the dev set, a few percent more.")).toEqual(["percent:97.8 %", "percent:a few percent"]);
    expect(kinds("about 3× faster; tenfold; an 80-fold drop; 26 times as many; three times")).toEqual([
      "multiple:3×", "multiple:tenfold", "multiple:80-fold", "multiple:26 times", "multiple:three times",
    ]);
    expect(kinds("1,876 updates in 938 steps, 4,608 weights, within two updates")).toEqual([
      "count:1,876 updates", "count:938 steps", "count:4,608 weights", "count:two updates",
    ]);
    expect(kinds("19 orders of magnitude; ratios approach $10^{-2}$, or 10⁻³, or $4 \\cdot 10^{-3}$, below 1e-17")).toEqual([
      "magnitude:19 orders of magnitude", "magnitude:10^{-2}", "magnitude:10⁻³", "magnitude:4 · 10^{-3}", "magnitude:1e-17",
    ]);
    expect(findNumbers("$4 \\cdot 10^{-3}$")[0].values[0]).toBeCloseTo(0.004, 12);
    expect(kinds("3x faster, 98.5% right")).toEqual(["multiple:3x", "percent:98.5%"]);
  });

  it("leaves alone sizes, names, code, settings after '=' and single steps", () => {
    expect(findNumbers("a 28 × 28 image, a $784 \\times 64$ matrix, $1 \\times \\text{out}$, chapter 10, layer 5, Exercise 9.1")).toEqual([]);
    expect(findNumbers("`lr: 1e-3` and ```\n50 %\n``` are code; α = 10⁻³ and $p = 50\\%$ are settings; one update")).toEqual([]);
  });

  it("accepts a number that a claim's label or expectation backs, and rejects one nothing backs", () => {
    const claims = claimsIn(`claim("the loss explodes within two updates", n, { atMost: 2 });
      claim("SGD's share of the epoch", share, { near: 0.15, within: 0.005 });
      claim("variance ratio", r, { between: [60, 100] });`);
    expect(claims.map((c) => c.label)).toEqual(["the loss explodes within two updates", "SGD's share of the epoch", "variance ratio"]);
    expect(unclaimedNumbers("It explodes within two updates and takes 15 % of the time.", claims)).toEqual([]);
    const unclaimed = unclaimedNumbers("It explodes within two updates, 26 times faster, 15 % of the time.", claims);
    // a claim backs the text to its rounding: "82 %" by { near: 0.824 }, "89.4 %" by 0.894, not "83 %"
    const near = claimsIn('claim("dev accuracy", a, { near: 0.824, within: 0.005 }); claim("x", b, { near: 0.894, within: 0.0005 });');
    expect(unclaimedNumbers("82 % and 89.4 % but 83 %", near).map((f) => f.text)).toEqual(["83 %"]);
    // the values of a loop's array back the claims the loop makes
    const loop = claimsIn("[0.502, 0.864].forEach((quoted, k) => claim(`dev accuracy ${k}`, acc[k], { near: quoted, within: 0.0005 }));");
    expect(unclaimedNumbers("50.2 % then 86.4 %, and 91.1 %", loop).map((f) => f.text)).toEqual(["91.1 %"]);
    expect(unclaimed.map((f) => f.text)).toEqual(["26 times"]);
  });

  it("accepts a number marked as given in its cell, and only in that cell", () => {
    expect(unclaimedNumbers("<!-- given: every 5 updates -->\nEvery 5 updates we record it.", [])).toEqual([]);
    expect(unclaimedNumbers("Every 5 updates we record it.", []).map((f) => f.text)).toEqual(["5 updates"]);
  });

  it("names the notebook, the cell and the number of a deliberately unclaimed number", () => {
    const dir = join(ROOT, "build", "prose-numbers-test");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "99-unclaimed.ipynb");
    writeFileSync(file, JSON.stringify({ cells: [
      { cell_type: "markdown", source: ["# 99 · A chapter\n"] },
      { cell_type: "code", source: ['claim("accuracy", acc, { atLeast: 0.9 });\n'] },
      { cell_type: "markdown", source: ["It is 90 % right, and 26 times faster.\n"] },
    ] }));
    expect(problemsOf(file)).toEqual([`${relative(ROOT, file)}, cell 2: "26 times" (multiple)`]);
  });
});

describe("every number in the chapters' text is claimed or marked as given", () => {
  it.each(notebooks().map((f) => [relative(ROOT, f), f]))("%s", (_name, file) => {
    const problems = problemsOf(file);
    expect(problems, `${problems.length} unbacked number(s):\n  ${problems.join("\n  ")}\n\n${RULE}\n`).toEqual([]);
  });
});
