// Compiles a lib/ file and every lib/ file it imports to CommonJS, the way tslab compiles lib/ inside a
// notebook kernel, so tests can run the library as a notebook does (no tslab needed).
import * as fs from "fs";
import * as path from "path";
import ts from "typescript";

/** Writes `entry` (a path from root, e.g. "lib/index.ts") and its relative imports as .js files under out/. */
export function compileToCommonJs(root: string, entry: string, out: string): void {
  fs.writeFileSync(path.join(out, "package.json"), '{ "type": "commonjs" }');
  const todo = [entry];
  for (const done = new Set<string>(); todo.length > 0; ) {
    const file = todo.pop()!;
    if (done.has(file)) continue;
    done.add(file);
    const source = fs.readFileSync(path.join(root, file), "utf8");
    for (const [, spec] of source.matchAll(/(?:from\s+|import\s+)"(\.{1,2}\/[^"]+)"/g)) {
      const imported = path.posix.join(path.posix.dirname(file), `${spec}.ts`);
      // (a missing file is an example in a comment; a real import of one would fail when the code runs)
      if (fs.existsSync(path.join(root, imported))) todo.push(imported);
    }
    const js = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    fs.mkdirSync(path.dirname(path.join(out, file)), { recursive: true });
    fs.writeFileSync(path.join(out, file.replace(/\.ts$/, ".js")), js);
  }
}
