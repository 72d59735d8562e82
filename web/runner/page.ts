// The book's runnable chapters: every code cell of a chapter page becomes an editor (CodeMirror 6, TypeScript
// highlighting: web/runner/editor.ts) with a Run button, run in a Web Worker on the course's own library
// (web/runner/client.ts starts it; web/runner/worker.ts, inside this bundle as a string: scripts/lib/runner-bundle.mjs).
// Markup the checks rely on (issue 30):
//   [data-cell] (data-state idle | running | done | error) holding [data-editor], [data-action="run"], [data-output];
//   on the page [data-action="run-all"], [data-action="stop"], [data-action="reset"], [data-action="download"].
// The chapter's own notebook travels in the page (<script type="application/json" id="nb-runnable">, written
// by scripts/commands/book.ts), so the cells run its source and "Download" gives it back with the student's code.
// Recorded outputs stay under a cell until it runs again; edits are kept in localStorage.
// The page is ready to read before the cells become editors: web/book/book.js loads this script (1 MB) after
// DOMContentLoaded (<html data-runnable="N"> says the editors are there).
import type { EditorView } from "@codemirror/view";
import { cellEditor, editorText, setEditorText } from "./editor";
import { Runner, setState, type DataScript, type RunCell } from "./client";

interface NotebookCell { cell_type: string; source: string | string[]; metadata?: unknown; outputs?: unknown[]; execution_count?: unknown }
interface Notebook { cells: NotebookCell[]; metadata?: unknown; nbformat?: number; nbformat_minor?: number }
interface Runnable {
  name: string; // "05-three-optimizers"
  notebook: Notebook; // the chapter as committed (outputs cleared)
  data: DataScript[]; // files a cell's text asks for, in book scripts
}

interface Cell extends RunCell {
  notebookIndex: number; // index in notebook.cells
  original: string;
  view: EditorView;
  runButton: HTMLButtonElement;
}

const text = (s: string | string[]) => (Array.isArray(s) ? s.join("") : s);

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
    const result = queue.then(() => (cell.root.hasAttribute("data-queued") ? runner.run(cell, editorText(cell.view)) : false));
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
    const view = cellEditor({
      parent: host,
      doc: source,
      label: `Code cell ${k + 1} (TypeScript). Shift+Enter runs it; Escape then Tab leaves the editor.`,
      run: () => void enqueue(cell),
      runAndNext: () => (void enqueue(cell), cells[k + 1]?.view.focus()),
      changed: (now) => {
        save(key, now === original ? null : now);
        edited.textContent = now === original ? "" : "edited";
      },
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
      setEditorText(c.view, c.original);
      save(storageKey(runnable.name, c.index, c.original), null);
    }
  });
  download.addEventListener("click", () => {
    const nb: Notebook = JSON.parse(JSON.stringify(runnable.notebook));
    for (const c of cells) {
      const lines = editorText(c.view).split("\n").map((l, i, all) => (i + 1 < all.length ? `${l}\n` : l));
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
  (window as { nnFocusableScrollers?: () => void }).nnFocusableScrollers?.(); // outputs moved: boxes that scroll take focus
  document.documentElement.setAttribute("data-runnable", String(cells.length));
}

// The book loads this script once the page is ready (web/book/book.js); loaded earlier, it waits for that.
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
else mount();
