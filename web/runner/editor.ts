// A code cell's editor: CodeMirror 6 with TypeScript highlighting (web/runner/page.ts makes one per cell).
//   - colours: the tokens get stable class names (tok-keyword, tok-string, … from @lezer/highlight's
//     classHighlighter) and web/cells.css colours them from the page's theme: AA contrast on the code's
//     background in the light and the dark theme, the system's colours in forced colours. (CodeMirror's default
//     highlight style, #e40 and #085 on #f6f8fa, is below AA.)
//   - width: long lines wrap inside the editor, so it never widens the page (390 px phones) and never scrolls
//     sideways (a box that scrolls must take the keyboard's focus; the editor's text already does).
//   - keys: Shift+Enter runs the cell and moves to the next, Ctrl/Cmd+Enter runs it and stays (as in Jupyter);
//     Escape then Tab leaves the editor (CodeMirror's own Tab handling is not bound: Tab moves focus).
import { EditorView, keymap, lineNumbers, drawSelection } from "@codemirror/view";
import { EditorState, Prec } from "@codemirror/state";
import { javascript } from "@codemirror/lang-javascript";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { syntaxHighlighting, bracketMatching, indentOnInput } from "@codemirror/language";
import { classHighlighter } from "@lezer/highlight";

export interface EditorOptions {
  parent: HTMLElement;
  doc: string;
  label: string; // what a screen reader says the editor is
  run: () => void; // Ctrl/Cmd+Enter
  runAndNext: () => void; // Shift+Enter
  changed: (text: string) => void; // after each edit, at most every 300 ms
}

/** The editor of one code cell. */
export function cellEditor(o: EditorOptions): EditorView {
  let timer = 0;
  return new EditorView({
    parent: o.parent,
    state: EditorState.create({
      doc: o.doc,
      extensions: [
        Prec.highest(keymap.of([
          { key: "Shift-Enter", run: () => (o.runAndNext(), true) },
          { key: "Mod-Enter", run: () => (o.run(), true) },
        ])),
        lineNumbers(), history(), drawSelection(), indentOnInput(), bracketMatching(),
        syntaxHighlighting(classHighlighter),
        javascript({ typescript: true }),
        EditorView.lineWrapping,
        keymap.of([...defaultKeymap, ...historyKeymap]),
        EditorView.contentAttributes.of({ "aria-label": o.label }),
        EditorView.updateListener.of((u) => {
          if (!u.docChanged) return;
          window.clearTimeout(timer);
          timer = window.setTimeout(() => o.changed(u.state.doc.toString()), 300);
        }),
      ],
    }),
  });
}

/** The editor's whole text. */
export function editorText(view: EditorView): string {
  return view.state.doc.toString();
}

/** Replaces the editor's whole text (Restore). */
export function setEditorText(view: EditorView, text: string): void {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}
