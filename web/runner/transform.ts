// A notebook cell's TypeScript, made runnable in the page's shared scope (web/runner/worker.ts runs the result).
//
//  1. sucrase removes the types (nothing else: the browser runs modern JavaScript as it is); lines are kept.
//  2. acorn finds the cell's top-level statements, which are rewritten so that the cells share one scope, as in
//     the notebook:  `const a = 1, b = 2;` → `(a = 1, b = 2);`   `class C {}` → `C = class C {}`
//     `function f() {}` stays (hoisted), and the cell's first line stores it: `__cellScope__.f = f;`
//     `import { a, b as c } from "./lib/index";` → `__cellScope__.a = __module__("./lib/index").a; …`
//     a last expression statement becomes the cell's value (shown like the notebook shows it).
//  Every rewrite keeps the line breaks, so an error's line is the cell's line.
import { transform } from "sucrase";
import { parse } from "acorn";

export const SCOPE = "__cellScope__";
export const MODULE = "__module__";

export interface CellCode {
  /** JavaScript for the body of an async function run inside `with (scope)`. */
  body: string;
  /** Every name the cell declares at its top level (they exist in the scope before the cell runs). */
  names: string[];
}

/** An error in the cell's own text, with its line (1-based). */
export class CellSyntaxError extends Error {
  constructor(message: string, readonly line: number) {
    super(message);
    this.name = "SyntaxError";
  }
}

type Node = { type: string; start: number; end: number; [key: string]: any };

export function transformCell(source: string): CellCode {
  let js: string;
  try {
    js = transform(source, { transforms: ["typescript"], disableESTransforms: true, keepUnusedImports: true }).code;
  } catch (e) {
    const m = /\((\d+):(\d+)\)/.exec((e as Error).message);
    throw new CellSyntaxError((e as Error).message.replace(/\s*\(\d+:\d+\)\s*$/, ""), m ? Number(m[1]) : 1);
  }
  let program: Node;
  try {
    program = parse(js, { ecmaVersion: "latest", sourceType: "module", allowAwaitOutsideFunction: true, locations: true }) as unknown as Node;
  } catch (e) {
    const loc = (e as { loc?: { line: number } }).loc;
    throw new CellSyntaxError((e as Error).message.replace(/\s*\(\d+:\d+\)\s*$/, ""), loc?.line ?? 1);
  }
  const edits: Array<{ start: number; end: number; text: string }> = [];
  const names: string[] = [];
  const hoisted: string[] = [];
  const keepLines = (start: number, end: number) => "\n".repeat((js.slice(start, end).match(/\n/g) ?? []).length);
  const body: Node[] = program.body;
  body.forEach((stmt, index) => {
    switch (stmt.type) {
      case "ImportDeclaration": {
        const from = JSON.stringify(stmt.source.value);
        const parts = (stmt.specifiers as Node[]).map((s) => {
          names.push(s.local.name);
          const value =
            s.type === "ImportNamespaceSpecifier" ? `${MODULE}(${from})`
            : s.type === "ImportDefaultSpecifier" ? `${MODULE}(${from}).default`
            : `${MODULE}(${from})[${JSON.stringify(s.imported.name ?? s.imported.value)}]`;
          return `${SCOPE}.${s.local.name} = ${value};`;
        });
        if (parts.length === 0) parts.push(`${MODULE}(${from});`);
        edits.push({ start: stmt.start, end: stmt.end, text: parts.join(" ") + keepLines(stmt.start, stmt.end) });
        break;
      }
      case "VariableDeclaration": {
        const decls: Node[] = stmt.declarations;
        for (const d of decls) patternNames(d.id, names);
        let text = ";(";
        decls.forEach((d, i) => {
          text += js.slice(d.start, d.end) + (d.init ? "" : " = void 0");
          if (i + 1 < decls.length) text += js.slice(d.end, decls[i + 1].start);
        });
        text += ");";
        const tail = js.slice(decls[decls.length - 1].end, stmt.end).replace(/;\s*$/, "");
        edits.push({ start: stmt.start, end: stmt.end, text: text + tail.replace(/[^\n]/g, "") });
        break;
      }
      case "FunctionDeclaration":
        names.push(stmt.id.name);
        hoisted.push(stmt.id.name);
        break;
      case "ClassDeclaration":
        names.push(stmt.id.name);
        edits.push({ start: stmt.start, end: stmt.start, text: `${stmt.id.name} = ` });
        break;
      case "ExpressionStatement":
        if (index === body.length - 1 && !/^\s*\(?\s*[\w$.[\]"']+\s*=[^=]/.test(js.slice(stmt.start, stmt.end))) {
          const expr: Node = stmt.expression;
          edits.push({ start: stmt.start, end: stmt.end, text: `return (${js.slice(expr.start, expr.end)});` + keepLines(expr.end, stmt.end) });
        }
        break;
      case "ExportNamedDeclaration":
      case "ExportDefaultDeclaration":
      case "ExportAllDeclaration":
        throw new CellSyntaxError("a notebook cell cannot export", stmt.loc.start.line);
      default:
        break;
    }
  });
  let out = js;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  const prelude = hoisted.map((n) => `${SCOPE}.${n} = ${n};`).join(" ");
  return { body: prelude + (prelude ? " " : "") + out, names: [...new Set(names)] };
}

function patternNames(p: Node | null, out: string[]): void {
  if (p === null) return;
  switch (p.type) {
    case "Identifier": out.push(p.name); break;
    case "ObjectPattern": for (const prop of p.properties as Node[]) patternNames(prop.type === "RestElement" ? prop.argument : prop.value, out); break;
    case "ArrayPattern": for (const el of p.elements as Array<Node | null>) patternNames(el, out); break;
    case "RestElement": patternNames(p.argument, out); break;
    case "AssignmentPattern": patternNames(p.left, out); break;
  }
}

/**
 * A cell made runnable: a function of the shared scope (a plain object: names are looked up there first, then
 * among the globals) returning the promise of the cell's value. `cell` (1-based) names the code in stack traces
 * (cell-N.ts), so errorLine() can find the cell's line.
 */
export function compileCell(source: string, cell: number, scope: Record<string, unknown>): () => Promise<unknown> {
  const { body, names } = transformCell(source);
  for (const n of names) if (!(n in scope)) scope[n] = undefined; // declared before the cell runs, as hoisting would
  const code = `(function (${SCOPE}) { with (${SCOPE}) { return (async function () { ${body}\n}).call(undefined); } })\n//# sourceURL=cell-${cell}.ts`;
  const fn = (0, eval)(code) as (s: Record<string, unknown>) => Promise<unknown>;
  return () => fn(scope);
}

/** The cell's line where `e` happened: a syntax error's own line, or the first cell-N.ts frame of its stack. */
export function errorLine(e: unknown, cell: number): number | undefined {
  if (e instanceof CellSyntaxError) return e.line;
  const stack = e instanceof Error ? String(e.stack ?? "") : "";
  const m = new RegExp(`cell-${cell}\\.ts:(\\d+):(\\d+)`).exec(stack);
  return m ? Number(m[1]) : undefined;
}
