import { describe, expect, it } from "vitest";
import { claim } from "../lib/course/claim";

describe("claim", () => {
  it("is silent and returns nothing when the number holds within the stated tolerance", () => {
    expect(claim("acc", 0.9783, { near: 0.9781, within: 0.0005 })).toBeUndefined();
    claim("n", 64, { equals: 64 });
    claim("acc", 0.981, { atLeast: 0.98 });
    claim("loss", 0.3, { atMost: 0.31 });
    claim("x", 5, { between: [4, 6] });
  });

  it("throws naming the label, the number found and the number the text states", () => {
    expect(() => claim("test accuracy after 5 epochs", 0.9772, { near: 0.9781, within: 0.0005 }))
      .toThrow('claim "test accuracy after 5 epochs": found 0.9772, but the text says 0.9781 (± 0.0005)');
    expect(() => claim("dead units", 63, { equals: 64 })).toThrow("found 63, but the text says exactly 64");
    expect(() => claim("acc", 0.979, { atLeast: 0.98 })).toThrow("at least 0.98");
    expect(() => claim("loss", 0.4, { atMost: 0.31 })).toThrow("at most 0.31");
    expect(() => claim("x", 7, { between: [4, 6] })).toThrow("between 4 and 6");
  });

  it("rejects NaN, a missing label and a malformed expectation", () => {
    expect(() => claim("loss", NaN, { near: 1, within: 1 })).toThrow("not a number");
    expect(() => claim("", 1, { equals: 1 })).toThrow("non-empty string");
    expect(() => claim("x", 1, { near: 1, within: -1 })).toThrow("tolerance");
    expect(() => claim("x", 1, {} as never)).toThrow("expected { near, within }");
  });
});

describe("claim with CLAIMS=report", () => {
  it("prints the failed claim instead of throwing, for authors updating numbers", () => {
    const lines: string[] = [];
    const original = console.log;
    process.env.CLAIMS = "report";
    console.log = (l: string) => lines.push(l);
    try {
      claim("x", 2, { equals: 1 });
      claim("y", 1, { equals: 1 });
    } finally {
      console.log = original;
      delete process.env.CLAIMS;
    }
    expect(lines).toEqual(['claim "x": found 2, but the text says exactly 1']);
    expect(() => claim("x", 2, { equals: 1 })).toThrow();
  });
});
