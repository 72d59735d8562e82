// The files a cell can read in the page: a small in-memory file system standing in for Node's `fs` in the
// runner's worker (web/runner/worker.ts). The page puts in what the book carries (MNIST, results/, the
// WebAssembly kernels); lib/'s own loaders (loadMnist, readIdx, readRun, the backend's loadGemmModule) then
// read them through the same calls they make under Node. Cells may write files too (saveModel): they stay in
// memory until Reset ends the worker. Anything else is "not in the book" or "needs the notebook".

import { Buffer } from "./buffer";
import { CWD } from "../process-shim";

export { CWD };

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
      `MNIST, results/, data/, the WebAssembly kernels, and what the cells wrote since the last Reset; for other files run this chapter as a notebook)`,
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

interface Stats {
  size: number; mode: number; uid: number; gid: number; mtimeMs: number;
  isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean;
  isBlockDevice(): boolean; isSocket(): boolean;
}

function fileStats(size: number, dir = false): Stats {
  const no = () => false;
  return {
    size, mode: dir ? 0o40755 : 0o100644, uid: 0, gid: 0, mtimeMs: 0,
    isFile: () => !dir, isDirectory: () => dir, isSymbolicLink: no, isFIFO: no, isCharacterDevice: no, isBlockDevice: no, isSocket: no,
  };
}

function stats(p: string, call: string): Stats {
  const n = normal(p);
  if (files.has(n)) return fileStats(files.get(n)!.length);
  if (isDir(n)) return fileStats(0, true);
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

// Open files. A file opened for writing is kept in memory when closed: a cell can save a model and load it
// back (saveModel, writeFileAtomic), and what it wrote lasts until Reset ends the worker.
interface Open { bytes: Uint8Array; at: number; length: number; write: string | null }
const open = new Map<number, Open>();
let nextFd = 10;

function descriptor(fd: number): Open {
  const d = open.get(fd);
  if (d === undefined) throw new Error(`EBADF: bad file descriptor ${fd}`);
  return d;
}

function forWriting(flags: string | number): boolean {
  return typeof flags === "number" ? (flags & 3) !== 0 : /[wa+]/.test(flags);
}

export function openSync(path: string, flags: string | number = "r"): number {
  const p = normal(String(path));
  const fd = nextFd++;
  if (forWriting(flags)) {
    const exclusive = typeof flags === "number" ? (flags & 128) !== 0 : flags.includes("x");
    if (exclusive && files.has(p)) throw Object.assign(new Error(`EEXIST: file already exists, open '${path}'`), { code: "EEXIST" });
    const append = typeof flags === "string" && flags.startsWith("a") && files.has(p);
    const bytes = append ? files.get(p)!.slice() : new Uint8Array(0);
    open.set(fd, { bytes, at: bytes.length, length: bytes.length, write: p });
  } else if (!files.has(p) && isDir(p)) {
    open.set(fd, { bytes: new Uint8Array(0), at: 0, length: 0, write: null }); // a folder (opened to sync it)
  } else {
    const bytes = bytesOf(String(path), "open");
    open.set(fd, { bytes, at: 0, length: bytes.length, write: null });
  }
  return fd;
}

export function fstatSync(fd: number): Stats {
  const d = descriptor(fd);
  return fileStats(d.length);
}

export function readSync(fd: number, out: Uint8Array, offset = 0, length = out.length - offset, position?: number | null): number {
  const d = descriptor(fd);
  const start = position === null || position === undefined || position < 0 ? d.at : position; // null: from where the last read ended
  const n = Math.max(0, Math.min(length, d.length - start));
  out.set(d.bytes.subarray(start, start + n), offset);
  if (position === null || position === undefined || position < 0) d.at = start + n;
  return n;
}

export function writeSync(fd: number, data: Uint8Array | string, offset = 0, length?: number, position?: number | null): number {
  const d = descriptor(fd);
  if (d.write === null) throw new Error(`EBADF: file descriptor ${fd} is not open for writing`);
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data.subarray(offset, offset + (length ?? data.length - offset));
  const at = typeof position === "number" && position >= 0 ? position : d.at;
  const end = at + bytes.length;
  if (end > d.bytes.length) {
    const grown = new Uint8Array(Math.max(end, 2 * d.bytes.length));
    grown.set(d.bytes.subarray(0, d.length));
    d.bytes = grown;
  }
  d.bytes.set(bytes, at);
  d.length = Math.max(d.length, end);
  if (!(typeof position === "number" && position >= 0)) d.at = end;
  return bytes.length;
}

export function closeSync(fd: number): void {
  const d = open.get(fd);
  if (d?.write) files.set(d.write, d.bytes.slice(0, d.length));
  open.delete(fd);
}

export function writeFileSync(path: string, data: string | Uint8Array): void {
  files.set(normal(String(path)), typeof data === "string" ? new TextEncoder().encode(data) : data.slice());
}

export function renameSync(from: string, to: string): void {
  const bytes = bytesOf(String(from), "rename");
  files.delete(normal(String(from)));
  files.set(normal(String(to)), bytes);
}

export function unlinkSync(path: string): void {
  bytesOf(String(path), "unlink");
  files.delete(normal(String(path)));
}

export function rmSync(path: string): void {
  const p = normal(String(path));
  for (const k of [...files.keys()]) if (k === p || k.startsWith(`${p}/`)) files.delete(k);
}

export function mkdirSync(): void {
  /* folders exist as the files in them do */
}
export function fsyncSync(): void {}
export function fchownSync(): void {}
export function fchmodSync(): void {}
export function statfsSync(): { bavail: number; bsize: number; blocks: number; bfree: number } {
  return { bavail: 1 << 20, bsize: 4096, blocks: 1 << 20, bfree: 1 << 20 }; // 4 GB: the page's memory is the limit
}
export function readlinkSync(path: string): never {
  throw Object.assign(new Error(`EINVAL: invalid argument, readlink '${path}' (the book's files are no links)`), { code: "EINVAL" });
}
export function realpathSync(path: string): string {
  if (!existsSync(path)) throw missing(path, "realpath");
  return normal(String(path));
}
export function accessSync(path: string): void {
  if (!existsSync(path)) throw missing(path, "access");
}
export function createReadStream(): never {
  throw new Error("createReadStream: not in the book's page; read the file with readFileSync");
}
export const constants = { O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2, O_CREAT: 64, O_EXCL: 128, O_TRUNC: 512, O_NONBLOCK: 2048, F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1 };
