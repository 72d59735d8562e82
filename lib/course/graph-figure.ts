// A drawing of a computational graph of Values (lib/autograd/value.ts), left to right from the inputs to the
// result: each Value a box with its name, its data and its grad; each operation a circle between the Values
// it combined and the Value it made. An SVG string, shown in a notebook with showHtml(graphFigure(f)).
//   Layout: a Value's column is the length of the longest path to it from an input; within a column,
//   Values keep the topological order. Colours follow the page (currentColor), in light and dark themes.
import { topologicalOrder } from "../autograd/graph";

/** What the drawing needs of a node: Value has all of these. */
export interface DrawableNode {
  readonly parents: readonly DrawableNode[];
  readonly op: string;
  readonly label: string;
  readonly data: number;
  readonly grad: number;
}

export interface GraphFigureOptions {
  /** a sentence under the drawing (also its accessible title) */
  title?: string;
  /** significant digits of data and grad (default 4) */
  digits?: number;
}

const BOX_W = 184, BOX_H = 42, COL = 260, ROW = 62, R = 15, PAD = 12;

/** The SVG of the graph that `root` was computed by (root included). */
export function graphFigure(root: DrawableNode, options: GraphFigureOptions = {}): string {
  const digits = options.digits ?? 4;
  const order = topologicalOrder(root);
  if (order.length > 60) throw new Error(`graphFigure: the graph has ${order.length} nodes; draw one of at most 60 (a small expression)`);
  const column = new Map<DrawableNode, number>();
  for (const v of order) column.set(v, v.parents.length === 0 ? 0 : 1 + Math.max(...v.parents.map((p) => column.get(p)!)));
  const rowsUsed: number[] = [];
  const at = new Map<DrawableNode, { x: number; y: number }>();
  for (const v of order) {
    const c = column.get(v)!;
    const r = rowsUsed[c] ?? 0;
    rowsUsed[c] = r + 1;
    at.set(v, { x: PAD + c * COL + (COL - BOX_W), y: PAD + r * ROW });
  }
  const width = PAD * 2 + (Math.max(...column.values()) + 1) * COL;
  const rowsBottom = PAD + Math.max(...rowsUsed) * ROW - (ROW - BOX_H);
  const num = (x: number) => escape(Number.isInteger(x) ? String(x) : Number(x.toPrecision(digits)).toString());
  const parts: string[] = [];
  let lanes = 0; // an edge that skips a column runs along a lane of its own under the drawing
  order.forEach((v, i) => {
    const { x, y } = at.get(v)!;
    const name = v.label || (v.op ? `(${i})` : `x${i}`);
    parts.push(
      `<rect x="${x}" y="${y}" width="${BOX_W}" height="${BOX_H}" rx="5" fill="none" stroke="currentColor"/>`,
      `<text x="${x + 8}" y="${y + 17}" font-weight="bold">${escape(name)}</text>`,
      `<text x="${x + 8}" y="${y + 35}">data ${num(v.data)}</text><text x="${x + 88}" y="${y + 35}">grad ${num(v.grad)}</text>`,
    );
    if (v.op === "") return;
    const cx = x - (COL - BOX_W) / 2, cy = y + BOX_H / 2; // the operation's circle, left of its result
    parts.push(
      `<circle cx="${cx}" cy="${cy}" r="${R}" fill="none" stroke="currentColor"/>`,
      `<text x="${cx}" y="${cy + 4}" text-anchor="middle" font-size="${v.op.length > 2 ? 9 : 13}">${escape(v.op)}</text>`,
      `<line x1="${cx + R}" y1="${cy}" x2="${x}" y2="${cy}" stroke="currentColor"/>`,
    );
    for (const p of new Set(v.parents)) {
      const q = at.get(p)!;
      const sx = q.x + BOX_W, sy = q.y + BOX_H / 2, ex = cx - R;
      if (column.get(v)! - column.get(p)! === 1) {
        const mid = (sx + ex) / 2;
        parts.push(`<path d="M${sx},${sy} C${mid},${sy} ${mid},${cy} ${ex},${cy}" fill="none" stroke="currentColor" opacity="0.6"/>`);
      } else {
        const lane = rowsBottom + 14 + 12 * lanes++, a = sx + 20, b = ex - 20;
        parts.push(`<path d="M${sx},${sy} H${a - 10} Q${a},${sy} ${a},${sy + 10} V${lane - 10} Q${a},${lane} ${a + 10},${lane} H${b - 10} ` +
          `Q${b},${lane} ${b},${lane - 10} V${cy + 10} Q${b},${cy} ${ex},${cy}" fill="none" stroke="currentColor" opacity="0.6"/>`);
      }
    }
  });
  const height = rowsBottom + PAD + (lanes > 0 ? 12 * lanes + 6 : 0);
  const title = options.title ?? `The computational graph of ${order.length} values`;
  // The drawing shrinks to the page's width (no sideways scrolling: a phone sees it whole, a keyboard has nothing to reach)
  return `<figure style="margin:0.5em 0"><svg xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="12" fill="currentColor" style="color:inherit;max-width:100%;height:auto">` +
    `<title>${escape(title)}</title>${parts.join("")}</svg><figcaption style="font-size:90%">${escape(title)}</figcaption></figure>`;
}

function escape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
