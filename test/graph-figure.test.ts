// graphFigure (lib/course/graph-figure.ts): one box per Value with its data and grad, one circle per operation,
// one edge per distinct parent, text escaped, and a clear refusal of a graph too large to draw.
import { describe, expect, it } from "vitest";
import { Value } from "../lib/autograd/value";
import { graphFigure } from "../lib/course/graph-figure";

const count = (s: string, what: string) => s.split(what).length - 1;

describe("graphFigure", () => {
  it("draws each Value with its data and grad, each operation once, and an edge per distinct input", () => {
    const a = new Value(2, "a"), b = new Value(-3, "b<1>");
    const f = a.mul(b).add(a); // 4 Values (a, b, a·b, f), 2 operations, edges: a→·, b→·, (a·b)→+, a→+ (skips a column)
    f.label = "f";
    f.backward();
    const svg = graphFigure(f, { title: "f = a·b + a" });
    expect(count(svg, "<rect")).toBe(4);
    expect(count(svg, "<circle")).toBe(2);
    expect(count(svg, "<path")).toBe(4);
    expect(svg).toContain("data -4</text><text"); // f = −6 + 2
    expect(svg).toContain("grad -2</text>"); //      ∂f/∂a = b + 1
    expect(svg).toContain("b&lt;1&gt;");
    expect(svg).toContain("<title>f = a·b + a</title>");
    const square = a.mul(a);
    expect(count(graphFigure(square), "<path")).toBe(1); // a used twice by one operation: one edge
  });

  it("refuses a graph of more than 60 nodes, saying how many it has", () => {
    let v = new Value(1);
    for (let i = 0; i < 70; i++) v = v.add(1);
    expect(() => graphFigure(v)).toThrow(/graphFigure: the graph has 141 nodes; draw one of at most 60/);
  });
});
