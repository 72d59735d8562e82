// The book's runnable chapters: every code cell of a chapter page becomes an editor (CodeMirror 6, TypeScript
// highlighting) with a Run button, run in a Web Worker on the course's own library (web/runner/worker.ts, inside
// this bundle as a string: scripts/lib/runner-bundle.mjs). Markup the checks rely on (issue 30):
//   [data-cell] (data-state idle | running | done | error) holding [data-editor], [data-action="run"], [data-output];
//   on the page [data-action="run-all"], [data-action="stop"], [data-action="reset"], [data-action="download"].
// The chapter's own notebook travels in the page (<script type="application/json" id="nb-runnable">, written
// by scripts/commands/book.ts), so the cells run its source and "Download" gives it back with the student's code.
// Recorded outputs stay under a cell until it runs again; edits are kept in localStorage.
import { EditorView, keymap, lineNumbers, drawSelection, highlightActiveLine } from "@codemirror/view";
import { EditorState, Prec } from "@codemirror/state";
import { javascript } from "@codemirror/lang-javascript";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { syntaxHighlighting, defaultHighlightStyle, bracketMatching, indentOnInput } from "@codemirror/language";
import type { FromWorker, ToWorker } from "./protocol";

declare const WORKER_SOURCE: string;

interface NotebookCell { cell_type: string; source: string | string[]; metadata?: unknown; outputs?: unknown[]; execution_count?: unknown }
interface Notebook { cells: NotebookCell[]; metadata?: unknown; nbformat?: number; nbformat_minor?: number }
interface Runnable {
  name: string; // "05-three-optimizers"
  notebook: Notebook; // the chapter as committed (outputs cleared)
  data: Array<{ pattern: string; script: string; key: string }>; // files a cell's text asks for, in book scripts
}

type State = "idle" | "running" | "done" | "error";

interface Cell {
  index: number; // 0-based among the code cells
  notebookIndex: number; // index in notebook.cells
  original: string;
  root: HTMLElement;
  view: EditorView;
  output: HTMLElement;
  runButton: HTMLButtonElement;
  status: HTMLElement;
}

const text = (s: string | string[]) => (Array.isArray(s) ? s.join("") : s);

function setState(cell: Cell, state: State, note = ""): void {
  cell.root.setAttribute("data-state", state);
  cell.root.removeAttribute("data-queued");
  cell.status.textContent = note || { idle: "", running: "running…", done: "done", error: "error" }[state];
}

// ---------------------------------------------------------------------------------------------- storage
/** Where a cell's edit is kept: by chapter, cell and the cell's own text (a new edition of the chapter starts afresh). */
function storageKey(name: string, i: number, original: string): string {
  let h = 0x811c9dc5; // FNV-1a of the original source
  for (let k = 0; k < original.length; k++) h = Math.imul(h ^ original.charCodeAt(k), 0x01000193) >>> 0;
  return `nn-book:v1:${name}:cell-${i}:${h.toString(16)}`;
}
function load(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}
function save(key: string, value: string | null): void {
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, value);
  } catch {
    /* storage refused (private mode, full): the edit lives as long as the page */
  }
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

function ensurePlotly(): Promise<void> {
  if ((window as { Plotly?: unknown }).Plotly) return Promise.resolve();
  return loadScript("assets/plotly.min.js");
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

/** Put HTML in an element and run its scripts (as the notebook does with a cell's HTML output). */
function setHtml(el: HTMLElement, html: string): void {
  if (/Plotly|nn-plot/.test(html)) void ensurePlotly().catch(() => undefined);
  el.innerHTML = html;
  for (const old of Array.from(el.querySelectorAll("script"))) {
    const s = document.createElement("script");
    for (const a of Array.from(old.attributes)) s.setAttribute(a.name, a.value);
    s.text = old.text;
    old.replaceWith(s);
  }
}

// ---------------------------------------------------------------------------------------------- the worker
class Runner {
  private worker: Worker | null = null;
  private nextId = 1;
  private pending = new Map<number, { cell: Cell; done: (ok: boolean) => void; displays: Map<number, HTMLElement>; last: HTMLElement | null }>();
  private sent = new Set<string>();

  constructor(private readonly data: Runnable["data"], private readonly announce: (s: string) => void) {}

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

  async run(cell: Cell, source: string): Promise<boolean> {
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

  private finish(id: number, p: { cell: Cell; done: (ok: boolean) => void }, state: State, message: string): void {
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

function appendText(out: HTMLElement, s: string, cls: string): HTMLElement {
  const pre = document.createElement("pre");
  pre.className = cls;
  pre.textContent = s;
  out.appendChild(pre);
  return pre;
}

// ---------------------------------------------------------------------------------------------- the page
function button(label: string, action: string, title: string): HTMLButtonElement {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.setAttribute("data-action", action);
  b.title = title;
  return b;
}

function mount(): void {
  const data = document.getElementById("nb-runnable");
  if (!data) return;
  const runnable = JSON.parse(data.textContent ?? "{}") as Runnable;
  const codeIndexes = runnable.notebook.cells.map((c, i) => (c.cell_type === "code" ? i : -1)).filter((i) => i >= 0);
  const elements = Array.from(document.querySelectorAll<HTMLElement>(".code_cell"));
  if (elements.length !== codeIndexes.length) {
    console.warn(`runnable cells: the page shows ${elements.length} code cells, the notebook has ${codeIndexes.length}: left read-only`);
    return;
  }

  const live = document.createElement("div");
  live.className = "nb-sr";
  live.setAttribute("role", "status");
  live.setAttribute("aria-live", "polite");
  const announce = (s: string) => (live.textContent = s);
  const runner = new Runner(runnable.data, announce);

  // The page's bar: run all, stop, reset, restore, download.
  const bar = document.createElement("div");
  bar.className = "nb-toolbar";
  bar.setAttribute("role", "group");
  bar.setAttribute("aria-label", "Run this chapter's code");
  const runAll = button("▶▶ Run all", "run-all", "Run every cell from the top, stopping at an error");
  const stop = button("■ Stop", "stop", "End the running cell (its variables and all others are lost: run again from the top)");
  const reset = button("↺ Reset", "reset", "Start afresh: end the worker, forget every variable (your edits stay)");
  const restore = button("Restore the code", "restore", "Put back the chapter's own code in every cell (forgets your edits)");
  const download = button("⤓ Download .ipynb", "download", "Download this chapter as a notebook with your code (npm run grade grades it)");
  const note = document.createElement("span");
  note.className = "nb-note";
  note.textContent = "The code cells run in your browser: Shift+Enter runs the cell you are in and moves to the next, Ctrl+Enter runs it and stays.";
  bar.append(runAll, stop, reset, restore, download, note, live);
  const main = document.querySelector("main") ?? document.body;
  const firstNav = main.querySelector("nav.book-nav");
  if (firstNav) firstNav.after(bar);
  else main.prepend(bar);

  const cells: Cell[] = [];
  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = (cell: Cell): Promise<boolean> => {
    cell.root.setAttribute("data-queued", "");
    const result = queue.then(() => (cell.root.hasAttribute("data-queued") ? runner.run(cell, cell.view.state.doc.toString()) : false));
    queue = result;
    return result;
  };

  elements.forEach((el, k) => {
    const nbIndex = codeIndexes[k];
    const original = text(runnable.notebook.cells[nbIndex].source);
    const key = storageKey(runnable.name, k, original);
    const saved = load(key);
    const source = saved ?? original;

    el.setAttribute("data-cell", "");
    el.setAttribute("data-state", "idle");
    el.classList.add("nb-cell");
    const inputArea = el.querySelector<HTMLElement>(".input_area");
    const head = document.createElement("div");
    head.className = "nb-cell-head";
    const run = button("▶ Run", "run", "Run this cell (Shift+Enter)");
    run.setAttribute("aria-label", `Run cell ${k + 1}`);
    const status = document.createElement("span");
    status.className = "nb-cell-status";
    const edited = document.createElement("span");
    edited.className = "nb-cell-edited";
    edited.textContent = saved !== null && saved !== original ? "edited" : "";
    head.append(run, status, edited);
    const host = document.createElement("div");
    host.setAttribute("data-editor", "");
    host.className = "nb-editor";

    let cell: Cell;
    let timer = 0;
    const view = new EditorView({
      parent: host,
      state: EditorState.create({
        doc: source,
        extensions: [
          Prec.highest(keymap.of([
            // as in Jupyter: Shift+Enter runs the cell and moves to the next one, Ctrl/Cmd+Enter runs it and stays
            { key: "Shift-Enter", run: () => (void enqueue(cell), cells[k + 1]?.view.focus(), true) },
            { key: "Mod-Enter", run: () => (void enqueue(cell), true) },
          ])),
          lineNumbers(), history(), drawSelection(), indentOnInput(), bracketMatching(), highlightActiveLine(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          javascript({ typescript: true }),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          EditorView.contentAttributes.of({ "aria-label": `Code cell ${k + 1} (TypeScript). Shift+Enter runs it; Escape then Tab leaves the editor.` }),
          EditorView.updateListener.of((u) => {
            if (!u.docChanged) return;
            window.clearTimeout(timer);
            timer = window.setTimeout(() => {
              const now = u.state.doc.toString();
              save(key, now === original ? null : now);
              edited.textContent = now === original ? "" : "edited";
            }, 300);
          }),
        ],
      }),
    });

    const output = document.createElement("div");
    output.setAttribute("data-output", "");
    output.className = "nb-output";
    const recorded = el.querySelector(".output_wrapper");
    if (recorded) {
      recorded.replaceWith(output);
      output.appendChild(recorded);
    } else el.appendChild(output);

    if (inputArea) {
      inputArea.hidden = true; // the highlighted code nbconvert wrote: what the page shows without JavaScript
      inputArea.after(head, host);
    } else el.prepend(head, host);

    cell = { index: k, notebookIndex: nbIndex, original, root: el, view, output, runButton: run, status };
    run.addEventListener("click", () => void enqueue(cell));
    cells.push(cell);
  });

  runAll.addEventListener("click", async () => {
    const t0 = performance.now();
    runAll.disabled = true;
    announce("Running all cells");
    let ok = true;
    for (const c of cells) c.root.setAttribute("data-queued", "");
    for (const c of cells) {
      if (!c.root.hasAttribute("data-queued")) { ok = false; break; }
      if (!(await enqueue(c))) { ok = false; break; }
    }
    for (const c of cells) c.root.removeAttribute("data-queued");
    const seconds = (performance.now() - t0) / 1000;
    document.documentElement.setAttribute("data-run-all", ok ? `done ${seconds.toFixed(2)}` : `error ${seconds.toFixed(2)}`);
    announce(ok ? `All cells ran in ${seconds.toFixed(1)} s` : "Run all stopped at an error");
    runAll.disabled = false;
  });
  const end = (why: string) => {
    for (const c of cells) c.root.removeAttribute("data-queued");
    runner.stop(why);
  };
  stop.addEventListener("click", () => end("Stopped: the worker was ended, and every variable with it; run the cells again from the top."));
  reset.addEventListener("click", () => {
    end("Reset: the worker was ended.");
    for (const c of cells) if (c.root.getAttribute("data-state") !== "error") setState(c, "idle");
    announce("Reset: every variable is forgotten; run the cells from the top");
  });
  restore.addEventListener("click", () => {
    if (!window.confirm("Put back the chapter's own code in every cell? Your edits will be lost.")) return;
    for (const c of cells) {
      c.view.dispatch({ changes: { from: 0, to: c.view.state.doc.length, insert: c.original } });
      save(storageKey(runnable.name, c.index, c.original), null);
    }
  });
  download.addEventListener("click", () => {
    const nb: Notebook = JSON.parse(JSON.stringify(runnable.notebook));
    for (const c of cells) {
      const lines = c.view.state.doc.toString().split("\n").map((l, i, all) => (i + 1 < all.length ? `${l}\n` : l));
      Object.assign(nb.cells[c.notebookIndex], { source: lines, outputs: [], execution_count: null });
    }
    const blob = new Blob([JSON.stringify(nb, null, 1) + "\n"], { type: "application/x-ipynb+json" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `${runnable.name}.ipynb`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    window.setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    announce(`Downloaded ${runnable.name}.ipynb`);
  });
  document.documentElement.setAttribute("data-runnable", String(cells.length));
}

mount();
