// Writing files so that nothing is lost.
//
// writeFileAtomic: a reader sees the old file or the whole new one, never half of it. The text goes to a
// temporary file beside the target (every byte checked written, then flushed to the disk), which is then
// renamed over the target in one step. On any failure the previous file is left exactly as it was, the
// temporary file is removed, and the error says what could not be written and why ("no space left on the
// device"). A symbolic link stays a link (its target is rewritten) and the file keeps its permissions.
// A save interrupted half-way removes its hidden ".NAME.tmp-PID-…" file as the process exits; no other file
// is ever removed (not even one with the same shape of name: it may be a user's).
//
// checkOutputPaths: before a run starts any work, refuse the outputs it could not write, or that would
// overwrite one of its inputs or each other, so that no finished run is thrown away at the end. Every command
// checks its outputs through it. As root a read-only file is refused too (root could replace it), unless force.
//
// readFileBounded: read an input whole, but only a regular file (a device or a FIFO could never end) and only
// up to the size its format allows, refused before reading.
import * as fs from "fs";
import * as path from "path";
import { createHash, randomBytes } from "crypto";

/** Options of writeFileAtomic and checkOutputPaths. */
export interface WriteOptions {
  /** as root, replace a read-only file too (an ordinary user never can) */
  force?: boolean;
}

/** Write `content` to `file` atomically and completely (see above). Missing folders are made. */
export function writeFileAtomic(file: string, content: string | Uint8Array, options: WriteOptions = {}): void {
  const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  let before: fs.Stats | null = null;
  let tmp: string | null = null;
  let fd: number | null = null;
  try {
    if (/[\\/]$/.test(file)) throw explained("ends with a slash, so it names a folder; expected a file name");
    const target = finalTarget(file); // through symbolic links, so that a link stays a link
    before = statOrNull(target);
    if (before !== null && before.isDirectory()) throw explained("it is a folder; expected a file name");
    if (before !== null && !before.isFile()) throw explained(`it is not a regular file (${kind(before)}); refusing to replace it`);
    if (before !== null) fs.accessSync(target, fs.constants.W_OK); // a read-only file is not replaced behind its back
    if (before !== null && readOnlyForRoot(before, options)) throw explained(READ_ONLY);
    const dir = path.dirname(target);
    fs.mkdirSync(dir, { recursive: true }); // a fresh checkout has no build/ yet
    tmp = tempName(target);
    ours.add(tmp);
    fd = fs.openSync(tmp, "wx", before !== null ? before.mode & 0o7777 : 0o666);
    if (before !== null) keepOwnerAndMode(fd, before);
    for (let done = 0; done < bytes.length; ) {
      const n = fs.writeSync(fd, bytes, done, bytes.length - done);
      if (n <= 0) throw Object.assign(new Error("the device accepted no more bytes"), { code: "ENOSPC" });
      done += n;
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, target);
    ours.delete(tmp);
    tmp = null;
    syncFolder(dir);
  } catch (err) {
    if (fd !== null) tryTo(() => fs.closeSync(fd!));
    if (tmp !== null) tryTo(() => fs.unlinkSync(tmp!));
    if (tmp !== null) ours.delete(tmp);
    const kept = before !== null && before.isFile() ? "; the previous file is unchanged" : "";
    throw new Error(`${file}: cannot write: ${reason(err)}${kept}`);
  }
}

/** A file (or link) to check: its path and how the command line named it, e.g. { path: "m.json", what: "--save" }. */
export interface NamedPath {
  path: string;
  what: string;
  /** for an output: about how many bytes it will take (checked against the free space) */
  bytes?: number;
}

/**
 * Refuse, with one message, an output that cannot be written: an empty name, a folder, a device, a place
 * that is not writable, not enough free space; or one that names the same file as an input or as another
 * output (through links too). Nothing is created or changed.
 */
export function checkOutputPaths(outputs: NamedPath[], inputs: NamedPath[] = [], options: WriteOptions = {}): void {
  const seen: { key: string; what: string }[] = inputs.map((i) => ({ key: identity(i.path), what: `the ${i.what} input` }));
  for (const out of outputs) {
    const fail = (why: string): never => {
      throw new Error(`${out.what} ${JSON.stringify(out.path)}: ${why}`);
    };
    if (out.path === "") fail("the file name is empty");
    if (/[\\/]$/.test(out.path)) fail("ends with a slash, so it names a folder; expected a file name");
    let target = "";
    try {
      target = finalTarget(out.path);
    } catch (err) {
      fail(`cannot be written: ${reason(err)}`);
    }
    if (Buffer.byteLength(path.basename(target)) > 255) fail("cannot be written: the name is too long (ENAMETOOLONG)");
    const st = statOrNull(target);
    if (st !== null && st.isDirectory()) fail("is a folder; expected a file name (e.g. a name inside it)");
    if (st !== null && !st.isFile()) fail(`is not a regular file: it is ${kind(st)}; refusing to replace it`);
    if (st !== null && readOnlyForRoot(st, options)) fail(READ_ONLY);
    const folder = existingFolder(path.dirname(target), fail);
    try {
      fs.accessSync(folder, fs.constants.W_OK | fs.constants.X_OK);
      if (st !== null) fs.accessSync(target, fs.constants.W_OK);
    } catch (err) {
      fail(`cannot be written: ${reason(err)}`);
    }
    checkSpace(folder, out.bytes ?? 0, fail);
    const key = identity(out.path);
    const same = seen.find((s) => s.key === key);
    if (same !== undefined) fail(`is the same file as ${same.what}; a run never overwrites its own inputs or outputs — choose another name`);
    seen.push({ key, what: `the ${out.what} output` });
  }
}

/** Why a file operation failed, in words (the system's code in brackets). */
export function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    ENOSPC: "no space left on the device",
    EDQUOT: "the disk quota is used up",
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    EROFS: "the file system is read-only",
    EISDIR: "it is a folder",
    ENOTDIR: "a part of the path is a file, not a folder",
    ENOENT: "no such file or folder",
    ENAMETOOLONG: "the name is too long",
    EFBIG: "the file is too large for the file system",
    EIO: "an input/output error on the device",
    ELOOP: "too many symbolic links (a loop?)",
    EMFILE: "too many open files",
    EXDEV: "the temporary file and the target are on different devices",
  };
  if (e && typeof e.code === "string" && words[e.code] !== undefined) return `${words[e.code]} (${e.code})`;
  if (e && (e as { explained?: boolean }).explained) return e.message;
  return e instanceof Error ? e.message : String(err);
}

// ---------------------------------------------------------------------------------------------

function explained(message: string): Error {
  return Object.assign(new Error(message), { explained: true });
}

function statOrNull(file: string): fs.Stats | null {
  try {
    return fs.statSync(file);
  } catch {
    return null;
  }
}

function tryTo(f: () => void): void {
  try {
    f();
  } catch {
    /* best effort */
  }
}

/** The file a path finally names, through any symbolic links (the last one may point at nothing yet). */
function finalTarget(file: string): string {
  let current = path.resolve(file);
  for (let hops = 0; hops < 40; hops++) {
    let link: string;
    try {
      if (!fs.lstatSync(current).isSymbolicLink()) return current;
      link = fs.readlinkSync(current);
    } catch {
      return current; // not there (yet): write here
    }
    current = path.resolve(path.dirname(current), link);
  }
  throw Object.assign(new Error(`${file}: too many symbolic links (a loop?)`), { code: "ELOOP" });
}

/** What identifies a file: its device and inode when it exists, else its absolute path through links. */
function identity(file: string): string {
  let target = path.resolve(file);
  tryTo(() => (target = finalTarget(file)));
  const st = statOrNull(target);
  if (st !== null) return `inode ${st.dev}:${st.ino}`;
  let real = target;
  tryTo(() => (real = path.join(fs.realpathSync(path.dirname(target)), path.basename(target))));
  return `path ${real}`;
}

/** The nearest folder on the way up that exists (the write makes the rest); a file on the way is refused. */
function existingFolder(dir: string, fail: (why: string) => never): string {
  for (let d = dir; ; d = path.dirname(d)) {
    const st = statOrNull(d);
    if (st !== null) {
      if (!st.isDirectory()) fail(`cannot be written: ${d} is a file, not a folder`);
      return d;
    }
    if (path.dirname(d) === d) return d;
  }
}

function checkSpace(folder: string, bytes: number, fail: (why: string) => never): void {
  let s: fs.StatsFs;
  try {
    s = fs.statfsSync(folder);
  } catch {
    return; // no way to ask: the write itself will tell
  }
  if (Number(s.blocks) === 0) fail(`cannot be written: ${folder} is on a file system that stores no files (such as /proc or /sys)`);
  const free = Number(s.bavail) * Number(s.bsize);
  if (free < bytes) fail(`not enough space: about ${megabytes(bytes)} are needed, ${megabytes(free)} are free on that device`);
}

function megabytes(n: number): string {
  return n < 1e6 ? `${Math.ceil(n / 1e3)} kB` : `${(n / 1e6).toFixed(1)} MB`;
}

/** Our temporary files: ".NAME.tmp-PID-RANDOM" (a long NAME is shortened so that the whole stays a legal name). */
const TEMP = /^\..*\.tmp-(\d+)-[0-9a-f]{8}$/;

function tempName(target: string): string {
  let name = path.basename(target);
  if (Buffer.byteLength(name) > 200) name = createHash("sha256").update(name).digest("hex").slice(0, 32);
  return path.join(path.dirname(target), `.${name}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
}

/** The temporary files this process has made and not yet renamed or removed: removed as it exits, and no others. */
const ours = new Set<string>();
process.on("exit", () => ours.forEach((tmp) => tryTo(() => fs.unlinkSync(tmp))));

const READ_ONLY = "is read-only; as root it could be replaced, but a read-only file is kept (add --force to replace it)";

/** Root may write anything: a file with no write bit for anyone is still refused, unless `force`. */
function readOnlyForRoot(st: fs.Stats, options: WriteOptions): boolean {
  return process.getuid?.() === 0 && (st.mode & 0o222) === 0 && options.force !== true;
}

/** What a file that is not a regular file is, in words. */
function kind(st: fs.Stats): string {
  if (st.isFIFO()) return "a FIFO, a named pipe";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  if (st.isSocket()) return "a socket";
  return st.isDirectory() ? "a folder" : "not a regular file";
}

/**
 * The bytes of `file`, which must be a regular file of at most `maxBytes` (`format` names what it should be, for
 * the message): a device, FIFO or socket is refused by name without waiting on it, a larger file before any
 * byte is read. A file that grows while read is refused too.
 */
export function readFileBounded(file: string, maxBytes: number, format: string): Buffer {
  let fd: number | null = null;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK); // a FIFO opens at once, unread
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw explained(`it is ${kind(st)}, not a ${format}; refusing to read it`);
    if (st.size > maxBytes) throw explained(`it is ${megabytes(st.size)}, more than a ${format} can be (${megabytes(maxBytes)}); refusing to read it`);
    const bytes = Buffer.alloc(st.size + 1);
    let done = 0;
    for (let n = 1; n > 0 && done < bytes.length; done += n) n = fs.readSync(fd, bytes, done, bytes.length - done, done);
    if (done > st.size) throw explained(`it grew while it was read (more than ${st.size} bytes); refusing it`);
    return bytes.subarray(0, done);
  } finally {
    if (fd !== null) tryTo(() => fs.closeSync(fd!));
  }
}

/** The new file gets the old one's owner (where we may set it) and exactly its permission bits (600 stays 600). */
function keepOwnerAndMode(fd: number, before: fs.Stats): void {
  tryTo(() => fs.fchownSync(fd, before.uid, before.gid));
  fs.fchmodSync(fd, before.mode & 0o7777);
}

/** Make the rename itself durable (best effort: not every system lets a folder be synced). */
function syncFolder(dir: string): void {
  let fd: number | null = null;
  tryTo(() => {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  });
  if (fd !== null) tryTo(() => fs.closeSync(fd!));
}
