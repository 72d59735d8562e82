// The page's side of the runner (web/runner/page.ts drives it): the Web Worker that runs the cells
// (web/runner/worker.ts, inside this bundle as the string WORKER_SOURCE, started from a Blob: a worker cannot start
// from a file:// URL), the data scripts the book carries (loaded when a cell's text first asks for them), and each
// message the worker sends, put into the cell's output. Charts are HTML with their own script
// (lib/course/plot-script.ts), which asks the book for plotly.js (window.nnLoadPlotly, web/book/book.js) and
// draws when the chart comes into view, as a recorded chart does.
import type { FromWorker, ToWorker } from "./protocol";

declare const WORKER_SOURCE: string;

export type State = "idle" | "running" | "done" | "error";

/** What the runner needs of a cell (web/runner/page.ts has the rest). */
export interface RunCell {
  index: number; // 0-based among the code cells
  root: HTMLElement; // [data-cell], data-state
  output: HTMLElement; // [data-output]
  status: HTMLElement;
}

/** A book data script: the files a cell's text asks for (pattern), in window.__bookFiles[key]. */
export interface DataScript { pattern: string; script: string; key: string }

export function setState(cell: RunCell, state: State, note = ""): void {
  cell.root.setAttribute("data-state", state);
  cell.root.removeAttribute("data-queued");
  cell.status.textContent = note || { idle: "", running: "running…", done: "done", error: "error" }[state];
}

// ---------------------------------------------------------------------------------------------- assets
const loading = new Map<string, Promise<void>>();
function loadScript(src: string): Promise<void> {
  let p = loading.get(src);
  if (!p) {
    p = new Promise<void>((resolve, reject) => {
      const s = document.createElement("script");
      s.src = src;
      s.onload = () => resolve();
      s.onerror = () => reject(new Error(`could not load ${src} from the book`));
      document.head.appendChild(s);
    });
    loading.set(src, p);
  }
  return p;
}

function base64Bytes(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The files a book data script carries (window.__bookFiles[key]: { path: base64 of gzip }), decompressed. */
async function bookFiles(script: string, key: string): Promise<Record<string, Uint8Array>> {
  await loadScript(script);
  const packed = ((window as { __bookFiles?: Record<string, Record<string, string>> }).__bookFiles ?? {})[key];
  if (!packed) throw new Error(`${script} did not define its files`);
  const out: Record<string, Uint8Array> = {};
  for (const [path, b64] of Object.entries(packed)) {
    let bytes = await gunzip(base64Bytes(b64));
    // The IDX samples (data/mnist-sample/*.gz) are kept decompressed: readIdx takes them as they are (it checks the
    // gzip magic number) and the worker has no synchronous gunzip. (The playground's data stays gzip: its widget
    // decompresses it in the page.)
    if (path.startsWith("data/mnist-sample/") && bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = await gunzip(bytes);
    out[path] = bytes;
  }
  return out;
}

/**
 * Put HTML in an element and run its scripts (as the notebook does with a cell's HTML output). A chart's script
 * loads plotly.js through the book (window.nnLoadPlotly) and draws when the chart is in view; a box that now
 * scrolls sideways (a wide table) takes the keyboard's focus (window.nnFocusableScrollers, web/book/book.js).
 */
function setHtml(el: HTMLElement, html: string): void {
  el.innerHTML = html;
  for (const old of Array.from(el.querySelectorAll("script"))) {
    const s = document.createElement("script");
    for (const a of Array.from(old.attributes)) s.setAttribute(a.name, a.value);
    s.text = old.text;
    old.replaceWith(s);
  }
  (window as { nnFocusableScrollers?: () => void }).nnFocusableScrollers?.();
}

// ---------------------------------------------------------------------------------------------- the worker
export class Runner {
  private worker: Worker | null = null;
  private nextId = 1;
  private pending = new Map<number, { cell: RunCell; done: (ok: boolean) => void; displays: Map<number, HTMLElement>; last: HTMLElement | null }>();
  private sent = new Set<string>();

  constructor(private readonly data: DataScript[], private readonly announce: (s: string) => void) {}

  private start(): Worker {
    if (this.worker) return this.worker;
    const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
    const worker = new Worker(url);
    URL.revokeObjectURL(url);
    worker.onmessage = (e: MessageEvent) => this.receive(e.data as FromWorker);
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      for (const [id, p] of this.pending) this.finish(id, p, "error", `The worker failed: ${e.message}`);
    };
    this.worker = worker;
    this.sent.clear();
    return worker;
  }

  /** Ends the worker (a runaway cell with it): its scope is gone; cells waiting are marked stopped. */
  stop(why: string): void {
    this.worker?.terminate();
    this.worker = null;
    for (const [id, p] of this.pending) this.finish(id, p, "error", why);
  }

  get busy(): boolean {
    return this.pending.size > 0;
  }

  async run(cell: RunCell, source: string): Promise<boolean> {
    const worker = this.start();
    for (const d of this.data) {
      if (this.sent.has(d.key) || !new RegExp(d.pattern).test(source)) continue;
      cell.status.textContent = "loading the data the book carries…";
      try {
        const files = await bookFiles(d.script, d.key);
        if (this.worker !== worker) return false; // stopped meanwhile
        worker.postMessage({ type: "files", files } satisfies ToWorker, Object.values(files).map((b) => b.buffer));
        this.sent.add(d.key);
      } catch (e) {
        cell.output.textContent = "";
        appendText(cell.output, `${(e as Error).message}\n`, "nb-error");
        setState(cell, "error");
        return false;
      }
    }
    const id = this.nextId++;
    return new Promise<boolean>((done) => {
      this.pending.set(id, { cell, done, displays: new Map(), last: null });
      setState(cell, "running");
      this.announce(`Cell ${cell.index + 1} running`);
      cell.output.textContent = "";
      worker.postMessage({ type: "run", id, cell: cell.index + 1, source } satisfies ToWorker);
    });
  }

  private finish(id: number, p: { cell: RunCell; done: (ok: boolean) => void }, state: State, message: string): void {
    this.pending.delete(id);
    if (state === "error") appendText(p.cell.output, message + "\n", "nb-error");
    setState(p.cell, state, state === "done" ? message : "error");
    this.announce(`Cell ${p.cell.index + 1} ${state === "done" ? "done" : `failed: ${message}`}`);
    p.done(state === "done");
  }

  private receive(m: FromWorker): void {
    if (m.type === "ready") return;
    const p = this.pending.get(m.id);
    if (!p) return;
    const out = p.cell.output;
    if (m.type === "stream") {
      const cls = m.name === "stderr" ? "nb-stderr" : "nb-stdout";
      if (p.last && p.last.classList.contains(cls) && p.last === out.lastElementChild) p.last.textContent += m.text;
      else p.last = appendText(out, m.text, cls);
    } else if (m.type === "html") {
      let el = m.display !== undefined ? p.displays.get(m.display) : undefined;
      if (!el) {
        el = document.createElement("div");
        el.className = "nb-html";
        out.appendChild(el);
        if (m.display !== undefined) p.displays.set(m.display, el);
      }
      setHtml(el, m.html);
      p.last = el;
    } else if (m.type === "done") {
      this.finish(m.id, p, "done", `done in ${(m.ms / 1000).toFixed(2)} s`);
    } else if (m.type === "error") {
      this.finish(m.id, p, "error", m.text);
    }
  }
}

export function appendText(out: HTMLElement, s: string, cls: string): HTMLElement {
  const pre = document.createElement("pre");
  pre.className = cls;
  pre.textContent = s;
  out.appendChild(pre);
  return pre;
}
