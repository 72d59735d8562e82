// A network as a table: what Sequential.summary() prints.
//   #  layer            output       parameters
//   0  Dense(784→256)   batch × 256     200,960
import type { Layer } from "./layers";
import { checkChain } from "./chain";

/** A table of the layers: index, layer, output shape and parameter count, then the total. */
export function summary(layers: Layer[]): string {
  const rows: string[][] = [["#", "layer", "output", "parameters"]];
  let width = checkChain(layers).input; // undefined until a layer fixes the width
  let total = 0;
  layers.forEach((layer, i) => {
    if (width !== undefined) width = layer.outputSize(width);
    let count = 0;
    for (const p of layer.params()) count += p.value.rows * p.value.cols;
    total += count;
    rows.push([String(i), layer.describe(), `batch × ${width ?? "?"}`, count.toLocaleString("en-US")]);
  });
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 3 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join("  ");
  return [line(rows[0]), ...rows.slice(1).map(line), `total parameters: ${total.toLocaleString("en-US")}`].join("\n");
}
