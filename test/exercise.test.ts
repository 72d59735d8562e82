import { describe, expect, it } from "vitest";
import { assess, check, compare } from "../lib/course/exercise";

function run(answer: unknown, expected: unknown, hint?: string, tolerance?: number) {
  const lines: string[] = [];
  check("ex", answer, expected, hint, { log: (l) => lines.push(l), tolerance });
  const result = assess("ex", answer, expected, hint, { tolerance });
  expect(lines).toEqual([result.message]); // check prints exactly the verdict's line
  return { ...result, lines };
}

describe("check", () => {
  it("says 'Not answered yet' while the answer is still undefined", () => {
    const r = run(undefined, 16);
    expect(r.status).toBe("unanswered");
    expect(r.lines).toEqual(["ex: Not answered yet — replace `undefined` with your answer and re-run."]);
  });

  it("says 'Correct!' for the expected number, within the tolerance", () => {
    expect(run(16, 16).lines).toEqual(["ex: Correct!"]);
    expect(run(Math.log(10), 2.302585093).status).toBe("correct");
    expect(run(2.31, Math.log(10), undefined, 1e-2).status).toBe("correct");
  });

  it("says 'Not quite' with the hint for a wrong number, without revealing the expected value", () => {
    const r = run(12, 16, "count the dimensions");
    expect(r.status).toBe("wrong");
    expect(r.message).toBe("ex: Not quite: 12 is not the expected number. (Hint: count the dimensions)");
    expect(r.message).not.toContain("16");
  });

  it("rejects NaN and answers of the wrong type", () => {
    expect(run(NaN, 1).message).toContain("NaN");
    expect(run("16", 16).message).toContain("expected a number");
  });

  it("compares strings ignoring case and surrounding spaces", () => {
    expect(run("  Softmax ", "softmax").status).toBe("correct");
    expect(run("sigmoid", "softmax").status).toBe("wrong");
  });

  it("compares arrays and typed arrays element by element and names the first wrong element", () => {
    expect(run([0, 0, 1], new Float32Array([0, 0, 1])).status).toBe("correct");
    expect(run(new Uint8Array([1, 2]), [1, 2, 3]).message).toContain("expected 3 numbers, found 2");
    expect(run([1, 5, 3], [1, 2, 3]).message).toContain("element 1 is 5");
  });

  it("compares matrices by shape, then entry by entry", () => {
    const e = { rows: 2, cols: 2, data: new Float32Array([1, 2, 3, 4]) };
    expect(run({ rows: 2, cols: 2, data: new Float64Array([1, 2, 3, 4]) }, e).status).toBe("correct");
    expect(run({ rows: 1, cols: 4, data: new Float64Array([1, 2, 3, 4]) }, e).message).toContain("expected a 2×2 matrix, found 1×4");
    expect(run({ rows: 2, cols: 2, data: [1, 2, 3, 9] }, e).message).toContain("entry (1, 1)");
  });

  it("compares plain objects key by key", () => {
    expect(run({ rows: 60000, cols: 784, extra: 1 }, { rows: 60000, cols: 784 }).status).toBe("correct");
    expect(run({ rows: 60000 }, { rows: 60000, cols: 784 }).message).toContain('no "cols"');
  });

  it("accepts a predicate, whose string result is the reason shown", () => {
    expect(run(0.5, (a: number) => a > 0 && a < 1).status).toBe("correct");
    expect(run(2, (a: number) => a > 0 && a < 1).message).toBe("ex: Not quite: 2 is not right yet.");
    expect(run(2, (a: number) => (a < 1 ? true : "it must be a probability, below 1")).message).toContain("it must be a probability");
  });

  it("never throws, even when the predicate does", () => {
    const r = run({}, (a: any) => a.x.y > 0);
    expect(r.status).toBe("wrong");
    expect(r.message).toContain("raised an error");
  });

  it("prints to console.log by default", () => {
    const seen: string[] = [];
    const original = console.log;
    console.log = (line: string) => seen.push(line);
    let returned: unknown = "something";
    try {
      returned = check("1.1", 3, 3);
    } finally {
      console.log = original;
    }
    expect(seen).toEqual(["1.1: Correct!"]);
    expect(returned).toBeUndefined(); // so a notebook cell ending in check(...) shows only the line
  });
});

describe("compare", () => {
  it("returns null for equal values and a sentence otherwise", () => {
    expect(compare(true, true)).toBeNull();
    expect(compare(false, true)).toBe("false is not right.");
    expect(compare(null, 1)).toContain("expected a number");
  });
});
