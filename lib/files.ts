// Writing files so that nothing is lost.
//
// writeFileAtomic: a reader sees the old file or the whole new one, never half of it. The text goes to a
// temporary file beside the target (every byte checked written, then flushed to the disk), which is then
// renamed over the target in one step. On any failure the previous file is left exactly as it was, the
// temporary file is removed, and the error says what could not be written and why ("no space left on the
// device"). A symbolic link stays a link (its target is rewritten) and the file keeps its permissions.
// A save killed half-way leaves a hidden ".NAME.tmp-PID-…" file; the next save into that folder removes it.
//
// checkOutputPaths: before a run starts any work, refuse the outputs it could not write, or that would
// overwrite one of its inputs or each other, so that no finished run is thrown away at the end.
import * as fs from "fs";
import * as path from "path";
import { createHash, randomBytes } from "crypto";

/** Write `content` to `file` atomically and completely (see above). Missing folders are made. */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  let before: fs.Stats | null = null;
  let tmp: string | null = null;
  let fd: number | null = null;
  try {
    if (/[\\/]$/.test(file)) throw explained("ends with a slash, so it names a folder; expected a file name");
    const target = finalTarget(file); // through symbolic links, so that a link stays a link
    before = statOrNull(target);
    if (before !== null && before.isDirectory()) throw explained("it is a folder; expected a file name");
    if (before !== null && !before.isFile()) throw explained("it is not a regular file (a device, a pipe or a socket); refusing to replace it");
    if (before !== null) fs.accessSync(target, fs.constants.W_OK); // a read-only file is not replaced behind its back
    const dir = path.dirname(target);
    fs.mkdirSync(dir, { recursive: true }); // a fresh checkout has no build/ yet
    removeStaleTemps(dir);
    tmp = tempName(target);
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
    tmp = null;
    syncFolder(dir);
  } catch (err) {
    if (fd !== null) tryTo(() => fs.closeSync(fd!));
    if (tmp !== null) tryTo(() => fs.unlinkSync(tmp!));
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
export function checkOutputPaths(outputs: NamedPath[], inputs: NamedPath[] = []): void {
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
    if (st !== null && !st.isFile()) fail("is not a regular file (a device, a pipe or a socket); refusing to replace it");
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

/** Remove the temporary files of saves into `dir` that were killed: their process is gone, or they are a day old. */
function removeStaleTemps(dir: string): void {
  let entries: string[] = [];
  tryTo(() => (entries = fs.readdirSync(dir)));
  for (const entry of entries) {
    const m = TEMP.exec(entry);
    if (m === null) continue;
    const file = path.join(dir, entry);
    const st = statOrNull(file);
    if (st === null || !st.isFile()) continue;
    const old = Date.now() - st.mtimeMs > 24 * 3600 * 1000;
    if (old || !alive(Number(m[1]))) tryTo(() => fs.unlinkSync(file));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM"; // it exists, owned by someone else
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
