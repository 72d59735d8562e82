// Writing files so that nothing is lost (lib/files.ts): atomic and complete writes, links and permissions
// kept, no file removed but the run's own, a full or read-only disk reported in words with the old file intact, and
// output paths refused before a run when they could not be written or would overwrite an input.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkOutputPaths, readFileBounded, writeFileAtomic } from "../lib/files";
import { loadModel } from "../lib/nn/persist";
import { loadCsv } from "../lib/data/csv";

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "files-test-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const j = (...names: string[]) => path.join(dir, ...names);
const temps = (folder: string) => fs.readdirSync(folder).filter((f) => f.includes(".tmp-"));

describe("writeFileAtomic", () => {
  it("replaces the content whole and leaves no temporary file", () => {
    writeFileAtomic(j("a.json"), "first");
    writeFileAtomic(j("a.json"), "second");
    expect(fs.readFileSync(j("a.json"), "utf8")).toBe("second");
    expect(temps(dir)).toEqual([]);
  });

  it("makes a missing folder", () => {
    writeFileAtomic(j("missing", "deeper", "x.json"), "x");
    expect(fs.readFileSync(j("missing", "deeper", "x.json"), "utf8")).toBe("x");
  });

  it("a file where a folder should be: fails with the file name and the reason, changes nothing", () => {
    fs.writeFileSync(j("blocker"), "a file, not a folder");
    expect(() => writeFileAtomic(j("blocker", "x.json"), "x")).toThrow(`${j("blocker", "x.json")}: cannot write: `);
    expect(fs.readFileSync(j("blocker"), "utf8")).toBe("a file, not a folder");
  });

  it("a folder, a name ending in a slash, a device: refused, and /dev/null stays a device", () => {
    fs.mkdirSync(j("folder"));
    expect(() => writeFileAtomic(j("folder"), "x")).toThrow(`${j("folder")}: cannot write: it is a folder; expected a file name`);
    expect(() => writeFileAtomic(j("new") + "/", "x")).toThrow("ends with a slash, so it names a folder; expected a file name");
    fs.symlinkSync("/dev/null", j("null-link"));
    expect(() => writeFileAtomic(j("null-link"), "x")).toThrow("it is not a regular file (a device); refusing to replace it");
    expect(fs.statSync("/dev/null").isCharacterDevice()).toBe(true);
  });

  it("through a symbolic link: the link stays a link and its target gets the new content", () => {
    fs.mkdirSync(j("real"));
    fs.writeFileSync(j("real", "model.json"), "old");
    fs.symlinkSync(path.join("real", "model.json"), j("link.json"));
    writeFileAtomic(j("link.json"), "new");
    expect(fs.lstatSync(j("link.json")).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(j("real", "model.json"), "utf8")).toBe("new");
    fs.symlinkSync(path.join("real", "later.json"), j("dangling.json")); // a link to a file not made yet
    writeFileAtomic(j("dangling.json"), "made");
    expect(fs.lstatSync(j("dangling.json")).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(j("real", "later.json"), "utf8")).toBe("made");
    expect(temps(j("real"))).toEqual([]);
  });

  it("a loop of symbolic links is refused, and the links stay", () => {
    fs.symlinkSync(j("loop-b"), j("loop-a"));
    fs.symlinkSync(j("loop-a"), j("loop-b"));
    expect(() => writeFileAtomic(j("loop-a"), "x")).toThrow(`${j("loop-a")}: cannot write: too many symbolic links (a loop?) (ELOOP)`);
    expect(() => checkOutputPaths([{ path: j("loop-a"), what: "--json" }])).toThrow("cannot be written: too many symbolic links (a loop?) (ELOOP)");
    expect(fs.lstatSync(j("loop-a")).isSymbolicLink()).toBe(true);
  });

  it("a name of 250 bytes is written (its temporary name is shortened); one over 255 is refused before any work", () => {
    writeFileAtomic(j("n".repeat(250)), "long");
    expect(fs.readFileSync(j("n".repeat(250)), "utf8")).toBe("long");
    expect(() => checkOutputPaths([{ path: j("n".repeat(256)), what: "--save" }])).toThrow("cannot be written: the name is too long (ENAMETOOLONG)");
  });

  it("keeps the file's permissions: 600 stays 600, 640 stays 640", () => {
    for (const mode of [0o600, 0o640]) {
      fs.writeFileSync(j(`m${mode}`), "old");
      fs.chmodSync(j(`m${mode}`), mode);
      writeFileAtomic(j(`m${mode}`), "new");
      expect(fs.statSync(j(`m${mode}`)).mode & 0o777).toBe(mode);
    }
  });

  it("a write removes no file but its own: a user's file named like a temporary file stays (issue 28)", () => {
    fs.mkdirSync(j("killed"));
    const users = ".mydata.tmp-999999-abcdef12"; // a user's own file, with our naming's shape and a dead pid
    fs.writeFileSync(j("killed", users), "the user's data");
    const other = `.m.json.tmp-${process.ppid}-ffffffff`; // another process's save in progress
    fs.writeFileSync(j("killed", other), "in progress");
    writeFileAtomic(j("killed", "m.json"), "whole");
    writeFileAtomic(j("killed", "mydata"), "whole");
    expect(temps(j("killed")).sort()).toEqual([users, other].sort());
    expect(fs.readFileSync(j("killed", users), "utf8")).toBe("the user's data");
    expect(fs.readFileSync(j("killed", "m.json"), "utf8")).toBe("whole");
  });

  it("a process that exits while its save is under way removes that save's temporary file, and only it", () => {
    fs.mkdirSync(j("exiting"));
    fs.writeFileSync(j("exiting", ".keep.tmp-1-00000000"), "not ours");
    // the write itself is synchronous: stand in for "interrupted" by a write that fails half-way (a folder is in the way)
    fs.mkdirSync(j("exiting", "target"));
    expect(() => writeFileAtomic(j("exiting", "target"), "x")).toThrow(/folder/);
    expect(temps(j("exiting"))).toEqual([".keep.tmp-1-00000000"]);
  });
});

describe("readFileBounded: only a regular file, only up to its format's size (issue 28)", () => {
  it("a device, a FIFO and a folder are refused by name without waiting; a larger file before reading", () => {
    const fifo = j("fifo");
    execFileSync("mkfifo", [fifo]);
    expect(() => readFileBounded("/dev/zero", 1e6, "model file")).toThrow(/it is a device, not a model file; refusing to read it/);
    expect(() => readFileBounded(fifo, 1e6, "model file")).toThrow(/it is a FIFO, a named pipe, not a model file/);
    expect(() => readFileBounded(dir, 1e6, "model file")).toThrow(/it is a folder, not a model file/);
    fs.writeFileSync(j("big"), Buffer.alloc(2001));
    expect(() => readFileBounded(j("big"), 2000, "thing")).toThrow(/it is 3 kB, more than a thing can be \(2 kB\)/);
    expect(readFileBounded(j("big"), 2001, "thing").length).toBe(2001);
  });
  it("loadModel and loadCsv go through it: /dev/zero and a FIFO end at once with the file named", () => {
    const fifo = j("fifo2");
    execFileSync("mkfifo", [fifo]);
    for (const f of ["/dev/zero", fifo]) {
      expect(() => loadModel(f)).toThrow(new RegExp(`^${f.replace(/[/.]/g, "\\$&")}: cannot read the model file: it is a (device|FIFO)`));
      expect(() => loadCsv(f)).toThrow(new RegExp(`^${f.replace(/[/.]/g, "\\$&")}: cannot read the CSV file: it is a (device|FIFO)`));
    }
  });
  it("a model file's byte-order mark is named, not shown as an invisible character", () => {
    fs.writeFileSync(j("bom.json"), "\ufeff{}");
    expect(() => loadModel(j("bom.json"))).toThrow(/starts with a byte-order mark \(U\+FEFF\)/);
  });
});

describe.runIf(process.getuid?.() === 0)("as root, a read-only file is kept unless force (issue 28)", () => {
  it("checkOutputPaths and writeFileAtomic refuse it; with force they replace it", () => {
    fs.writeFileSync(j("ro.json"), "old");
    fs.chmodSync(j("ro.json"), 0o444);
    expect(() => checkOutputPaths([{ path: j("ro.json"), what: "--json" }])).toThrow(/is read-only.*--force/);
    expect(() => writeFileAtomic(j("ro.json"), "new")).toThrow(/read-only.*previous file is unchanged/);
    expect(fs.readFileSync(j("ro.json"), "utf8")).toBe("old");
    checkOutputPaths([{ path: j("ro.json"), what: "--json" }], [], { force: true });
    writeFileAtomic(j("ro.json"), "new", { force: true });
    expect(fs.readFileSync(j("ro.json"), "utf8")).toBe("new");
    expect(fs.statSync(j("ro.json")).mode & 0o777).toBe(0o444);
  });
});

// A small tmpfs (root only, where mounting is allowed): a disk that fills up, then one that is read-only.
const mountPoint = path.join(os.tmpdir(), `files-test-tmpfs-${process.pid}`);
const mounted = (() => {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return "needs Linux and root to mount a tmpfs";
  try {
    fs.mkdirSync(mountPoint, { recursive: true });
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mountPoint], { stdio: "pipe" });
    return true;
  } catch (err) {
    fs.rmSync(mountPoint, { recursive: true, force: true });
    return `mount -t tmpfs failed: ${String((err as Error).message).split("\n")[0]}`;
  }
})();
if (mounted !== true) console.log(`files.test.ts: skipping the full-disk and read-only cases: ${mounted}`);

describe.skipIf(mounted !== true)("on a 64 kB tmpfs", () => {
  afterAll(() => {
    try {
      execFileSync("umount", [mountPoint]);
    } finally {
      fs.rmSync(mountPoint, { recursive: true, force: true });
    }
  });
  const m = (name: string) => path.join(mountPoint, name);

  it("a disk that fills up: the error says so, the previous file is unchanged, no temporary file stays", () => {
    writeFileAtomic(m("model.json"), "the good model");
    const big = "x".repeat(200_000); // more than the device holds: writeSync writes part of it, then fails
    expect(() => writeFileAtomic(m("model.json"), big)).toThrow(
      `${m("model.json")}: cannot write: no space left on the device (ENOSPC); the previous file is unchanged`,
    );
    expect(fs.readFileSync(m("model.json"), "utf8")).toBe("the good model");
    expect(temps(mountPoint)).toEqual([]);
  });

  it("checkOutputPaths refuses an output the free space cannot hold, before any work", () => {
    expect(() => checkOutputPaths([{ path: m("run.json"), what: "--save", bytes: 1_000_000 }])).toThrow(
      /^--save ".*run\.json": not enough space: about 1\.0 MB are needed, \d+ kB are free on that device$/,
    );
    expect(() => checkOutputPaths([{ path: m("run.json"), what: "--save", bytes: 1_000 }])).not.toThrow();
  });

  it("a read-only file system: said in words, the file unchanged", () => {
    execFileSync("mount", ["-o", "remount,ro", mountPoint]);
    try {
      expect(() => writeFileAtomic(m("model.json"), "new")).toThrow(
        `${m("model.json")}: cannot write: the file system is read-only (EROFS); the previous file is unchanged`,
      );
      expect(() => checkOutputPaths([{ path: m("model.json"), what: "--save" }])).toThrow(
        `--save "${m("model.json")}": cannot be written: the file system is read-only (EROFS)`,
      );
      expect(fs.readFileSync(m("model.json"), "utf8")).toBe("the good model");
    } finally {
      execFileSync("mount", ["-o", "remount,rw", mountPoint]);
    }
  });
});

describe("checkOutputPaths: refused before any work starts", () => {
  it("an output that is an input, directly, through a symbolic link or a hard link", () => {
    fs.writeFileSync(j("in.csv"), "label,pixel0\n");
    fs.symlinkSync(j("in.csv"), j("in-link.csv"));
    fs.linkSync(j("in.csv"), j("in-hard.csv"));
    const inputs = [{ path: j("in.csv"), what: "--csv" }];
    for (const name of ["in.csv", "in-link.csv", "in-hard.csv"]) {
      expect(() => checkOutputPaths([{ path: j(name), what: "--json" }], inputs)).toThrow(
        `--json "${j(name)}": is the same file as the --csv input; a run never overwrites its own inputs or outputs — choose another name`,
      );
    }
    const relative = path.relative(process.cwd(), j("in.csv"));
    expect(() => checkOutputPaths([{ path: relative, what: "--save" }], inputs)).toThrow("is the same file as the --csv input");
  });

  it("two outputs naming one file, even one that does not exist yet", () => {
    expect(() => checkOutputPaths([{ path: j("o.json"), what: "--json" }, { path: j("x", "..", "o.json"), what: "--save" }])).toThrow(
      `--save "${j("x", "..", "o.json")}": is the same file as the --json output`,
    );
  });

  it("a folder, a trailing slash, an empty name, a file on the way, a device", () => {
    expect(() => checkOutputPaths([{ path: dir, what: "--json" }])).toThrow(`--json "${dir}": is a folder; expected a file name`);
    expect(() => checkOutputPaths([{ path: j("nf") + "/", what: "--json" }])).toThrow("ends with a slash, so it names a folder");
    expect(() => checkOutputPaths([{ path: "", what: "--save" }])).toThrow('--save "": the file name is empty');
    fs.writeFileSync(j("plain"), "x");
    expect(() => checkOutputPaths([{ path: j("plain", "sub", "o.json"), what: "--save" }])).toThrow(`cannot be written: ${j("plain")} is a file, not a folder`);
    expect(() => checkOutputPaths([{ path: "/dev/null", what: "--json" }])).toThrow("is not a regular file: it is a device; refusing to replace it");
  });

  it("fine outputs pass and nothing is created", () => {
    const before = fs.readdirSync(dir).sort();
    checkOutputPaths([{ path: j("new", "run.json"), what: "--json" }, { path: j("model.json"), what: "--save", bytes: 1000 }], [{ path: j("in.csv"), what: "--csv" }]);
    expect(fs.readdirSync(dir).sort()).toEqual(before);
  });
});
