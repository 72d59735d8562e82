// The files a cell can read in the page: a small in-memory file system standing in for Node's `fs` in the
// runner's worker (web/runner/worker.ts). The page puts in what the book carries (MNIST, results/, the
// WebAssembly kernels); lib/'s own loaders (loadMnist, readIdx, readRun, the backend's loadGemmModule) then
// read them through the same calls they make under Node. Anything else is "not in the book" or "needs the notebook".

/** The worker's working directory: the project root, as in the tslab kernel. */
export const CWD = "/book";

import { Buffer } from "./buffer";

const files = new Map<string, Uint8Array>();

function normal(p: string): string {
  const abs = p.startsWith("/") ? p : `${CWD}/${p}`;
  const out: string[] = [];
  for (const part of abs.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return `/${out.join("/")}`;
}

/** Add a file (bytes) at a path relative to the project root (or absolute). */
export function addFile(path: string, bytes: Uint8Array): void {
  files.set(normal(path), bytes);
}

export function hasFile(path: string): boolean {
  return files.has(normal(path));
}

function isDir(p: string): boolean {
  const prefix = p === "/" ? "/" : `${p}/`;
  for (const k of files.keys()) if (k.startsWith(prefix)) return true;
  return false;
}

function missing(path: string, call: string): Error {
  const e = new Error(
    `ENOENT: no such file or directory, ${call} '${path}' (in the book's page only the files the book carries exist: ` +
      `MNIST, results/ and the WebAssembly kernels; for other files run this chapter as a notebook)`,
  ) as Error & { code: string };
  e.code = "ENOENT";
  return e;
}

function bytesOf(path: string, call: string): Uint8Array {
  const b = files.get(normal(path));
  if (b === undefined) throw missing(path, call);
  return b;
}

export function existsSync(path: string): boolean {
  const p = normal(String(path));
  return files.has(p) || isDir(p);
}

interface Stats { size: number; isFile(): boolean; isDirectory(): boolean; mtimeMs: number }

function stats(p: string, call: string): Stats {
  const n = normal(p);
  if (files.has(n)) {
    const size = files.get(n)!.length;
    return { size, isFile: () => true, isDirectory: () => false, mtimeMs: 0 };
  }
  if (isDir(n)) return { size: 0, isFile: () => false, isDirectory: () => true, mtimeMs: 0 };
  throw missing(p, call);
}

export function statSync(path: string): Stats {
  return stats(String(path), "stat");
}

export const lstatSync = statSync;

export function readdirSync(path: string): string[] {
  const p = normal(String(path));
  const prefix = p === "/" ? "/" : `${p}/`;
  const names = new Set<string>();
  for (const k of files.keys()) if (k.startsWith(prefix)) names.add(k.slice(prefix.length).split("/")[0]);
  if (names.size === 0 && !files.has(p)) throw missing(path, "scandir");
  return [...names].sort();
}

export function readFileSync(pathOrFd: string | number, options?: string | { encoding?: string }): Uint8Array | string {
  const bytes = typeof pathOrFd === "number" ? descriptor(pathOrFd).bytes : bytesOf(String(pathOrFd), "open");
  const encoding = typeof options === "string" ? options : options?.encoding;
  const copy = Buffer.view(bytes.slice());
  return encoding ? copy.toString(encoding) : copy;
}

const open = new Map<number, { bytes: Uint8Array; at: number }>();
let nextFd = 10;

function descriptor(fd: number): { bytes: Uint8Array; at: number } {
  const d = open.get(fd);
  if (d === undefined) throw new Error(`EBADF: bad file descriptor ${fd}`);
  return d;
}

export function openSync(path: string): number {
  const bytes = bytesOf(String(path), "open");
  const fd = nextFd++;
  open.set(fd, { bytes, at: 0 });
  return fd;
}

export function fstatSync(fd: number): Stats {
  const { bytes } = descriptor(fd);
  return { size: bytes.length, isFile: () => true, isDirectory: () => false, mtimeMs: 0 };
}

export function readSync(fd: number, out: Uint8Array, offset = 0, length = out.length - offset, position?: number | null): number {
  const d = descriptor(fd);
  const start = position === null || position === undefined || position < 0 ? d.at : position; // null: from where the last read ended
  const n = Math.max(0, Math.min(length, d.bytes.length - start));
  out.set(d.bytes.subarray(start, start + n), offset);
  if (position === null || position === undefined || position < 0) d.at = start + n;
  return n;
}

export function closeSync(fd: number): void {
  open.delete(fd);
}

function readOnly(call: string): () => never {
  return () => {
    throw new Error(`${call}: the book's page cannot write files; run this chapter as a notebook to save results`);
  };
}

export const writeFileSync = readOnly("writeFileSync");
export const mkdirSync = readOnly("mkdirSync");
export const renameSync = readOnly("renameSync");
export const unlinkSync = readOnly("unlinkSync");
export const rmSync = readOnly("rmSync");
export const openSyncForWrite = readOnly("open for writing");
export const createReadStream = readOnly("createReadStream");
export const constants = { O_RDONLY: 0, F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1 };
export const writeSync = readOnly("writeSync");
export const fsyncSync = readOnly("fsyncSync");
export const fchownSync = readOnly("fchownSync");
export const fchmodSync = readOnly("fchmodSync");
export const statfsSync = readOnly("statfsSync");
export const readlinkSync = readOnly("readlinkSync");
export function realpathSync(path: string): string {
  if (!existsSync(path)) throw missing(path, "realpath");
  return normal(String(path));
}
export function accessSync(path: string, mode?: number): void {
  if (!existsSync(path)) throw missing(path, "access");
  if (mode !== undefined && mode !== 0 && (mode & 2) !== 0) readOnly("writing")();
}
