// Small helpers the widgets share: their configuration, elements, and one style sheet per page.

/** The JSON in the widget's <script type="application/json" data-config> child. */
export function readConfig<T>(root: HTMLElement): T {
  const el = root.querySelector("script[data-config]");
  if (el === null) throw new Error("this widget has no <script type=\"application/json\" data-config> inside it");
  return JSON.parse(el.textContent ?? "") as T;
}

/** document.createElement with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) el.append(c);
  return el;
}

/** Show a problem inside the widget (and in the console), rather than failing silently. */
export function showError(root: HTMLElement, message: string): void {
  const box = h("div", { class: "nnw-error" }, message);
  root.append(box);
  console.error(`widget: ${message}`);
}

const CSS = `
.nnw { font: 15px/1.4 Helvetica, Arial, sans-serif; color: #222; border: 1px solid #ccc; border-radius: 8px;
  padding: 12px 14px; margin: 8px 0; background: #fafafa; max-width: 900px; box-sizing: border-box; }
.nnw * { box-sizing: border-box; }
.nnw h4 { margin: 0 0 8px; font-size: 16px; }
.nnw button { font: inherit; padding: 5px 14px; margin-right: 6px; border: 1px solid #888; border-radius: 5px;
  background: #fff; cursor: pointer; }
.nnw button:hover { background: #eef; }
.nnw button:disabled { opacity: 0.5; cursor: default; }
.nnw-row { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
.nnw-pad-canvas { width: 280px; height: 280px; max-width: 80vw; max-height: 80vw; background: #fff;
  border: 2px solid #444; border-radius: 4px; touch-action: none; cursor: crosshair; display: block; }
.nnw-seen { width: 112px; height: 112px; image-rendering: pixelated; border: 1px solid #999; background: #fff; display: block; }
.nnw-caption { font-size: 12px; color: #666; margin: 4px 0 10px; }
.nnw-prediction { font-size: 22px; font-weight: bold; margin: 4px 0 10px; min-height: 32px; }
.nnw-bars { display: grid; grid-template-columns: 16px 170px 52px; gap: 3px 8px; align-items: center; font-size: 14px; }
.nnw-bar { height: 14px; background: #e5e5e5; border-radius: 3px; overflow: hidden; }
.nnw-bar > div { height: 100%; width: 0; background: #4a78c2; transition: width 80ms linear; }
.nnw-bar.nnw-top > div { background: #d9822b; }
.nnw-controls { display: grid; grid-template-columns: auto 1fr; gap: 6px 12px; align-items: center; min-width: 280px; }
.nnw-controls label { font-weight: bold; font-size: 14px; }
.nnw-controls input[type=range] { width: 160px; vertical-align: middle; }
.nnw-controls select { font: inherit; }
.nnw-status { margin: 8px 0; font-size: 14px; }
.nnw-status b { font-size: 18px; }
.nnw-chart { width: 400px; height: 230px; max-width: 100%; background: #fff; border: 1px solid #ddd; }
.nnw-error { color: #b00; margin-top: 8px; }
`;

export function ensureStyle(): void {
  if (document.getElementById("nnw-style") !== null) return;
  const style = h("style", { id: "nnw-style" }, CSS);
  document.head.append(style);
}
