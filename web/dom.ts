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

let ids = 0;

/** An id not yet used on the page (a page may hold several widgets, and a notebook re-runs its cells). */
export function uniqueId(prefix: string): string {
  let id: string;
  do id = `${prefix}-${++ids}-${Math.floor(Math.random() * 1e6).toString(36)}`;
  while (document.getElementById(id) !== null);
  return id;
}

/** base64 → gzip'd bytes → bytes, with the browser's own DecompressionStream. */
export async function gunzipBase64(base64: string): Promise<Uint8Array> {
  const text = atob(base64);
  const gz = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) gz[i] = text.charCodeAt(i);
  const stream = new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
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
.nnw .nnw-title { margin: 0 0 8px; font-size: 16px; font-weight: bold; }
.nnw button { font: inherit; color: #222; padding: 5px 14px; margin: 0 6px 6px 0; border: 1px solid #767676; border-radius: 5px;
  background: #fff; cursor: pointer; }
.nnw button:hover { background: #eef; }
.nnw button:disabled { opacity: 0.6; cursor: default; }
.nnw :focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
.nnw-row { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
.nnw-pad-column { width: 284px; max-width: 100%; }
.nnw-pad-frame { position: relative; width: 280px; max-width: min(80vw, 100%); }
.nnw-pad-canvas { width: 280px; height: 280px; max-width: 100%; aspect-ratio: 1; height: auto; background: #fff;
  border: 2px solid #444; border-radius: 4px; touch-action: none; cursor: crosshair; display: block; }
.nnw-pen { position: absolute; width: 22px; height: 22px; margin: -11px 0 0 -11px; border: 2px solid #c01c28; border-radius: 50%;
  pointer-events: none; display: none; }
.nnw-pad-frame:focus-within .nnw-pen { display: block; }
.nnw-pen.nnw-pen-down { background: rgba(192, 28, 40, 0.35); }
.nnw-seen { width: 112px; height: 112px; image-rendering: pixelated; border: 1px solid #999; background: #fff; display: block; }
.nnw-caption { font-size: 12px; color: #555; margin: 4px 0 10px; max-width: 280px; }
.nnw-prediction { font-size: 22px; font-weight: bold; margin: 0 0 2px; min-height: 32px; }
.nnw-spoken { font-size: 13px; color: #333; min-height: 18px; margin: 0 0 6px; }
.nnw-bars { display: grid; grid-template-columns: 16px minmax(80px, 170px) 52px; gap: 3px 8px; align-items: center; font-size: 14px; }
.nnw-bar { height: 14px; background: #e5e5e5; border-radius: 3px; overflow: hidden; }
.nnw-bar > div { height: 100%; width: 0; background: #4a78c2; transition: width 80ms linear; }
.nnw-bar.nnw-top > div { background: #d9822b; }
.nnw-controls { display: grid; grid-template-columns: auto 1fr; gap: 6px 12px; align-items: center; min-width: 0; }
.nnw-controls label { font-weight: bold; font-size: 14px; }
.nnw-controls input[type=range] { width: 160px; max-width: 45vw; vertical-align: middle; }
.nnw-controls select { font: inherit; max-width: 100%; }
.nnw-status { margin: 8px 0; font-size: 14px; }
.nnw-status b { font-size: 18px; }
.nnw-chart { width: 400px; height: 230px; max-width: 100%; background: #fff; border: 1px solid #ddd; }
.nnw-error { color: #b00; margin-top: 8px; }
.nnw-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (forced-colors: active) {
  .nnw-pad-canvas, .nnw-seen, .nnw-chart { forced-color-adjust: none; background: #fff; border-color: CanvasText; }
  .nnw-bar { border: 1px solid CanvasText; background: Canvas; }
  .nnw-bar > div { forced-color-adjust: none; background: CanvasText; }
  .nnw-bar.nnw-top > div { background: Highlight; }
  .nnw-pen { border-color: Highlight; }
  .nnw-pen.nnw-pen-down { forced-color-adjust: none; background: Highlight; }
}
`;

export function ensureStyle(): void {
  if (document.getElementById("nnw-style") !== null) return;
  const style = h("style", { id: "nnw-style" }, CSS);
  document.head.append(style);
}
