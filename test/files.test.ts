// Writing files so that nothing is lost (lib/files.ts): atomic and complete writes, links and permissions
// kept, killed saves cleaned up, a full or read-only disk reported in words with the old file intact, and
// output paths refused before a run when they could not be written or would overwrite an input.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkOutputPaths, writeFileAtomic } from "../lib/files";

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
    expect(() => writeFileAtomic(j("null-link"), "x")).toThrow("it is not a regular file (a device, a pipe or a socket); refusing to replace it");
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

  it("a save killed half-way leaves a temporary file that the next save into the folder removes", () => {
    fs.mkdirSync(j("killed"));
    // a real killed save: a child process writes the temp file then dies by SIGKILL before renaming
    const child = path.join(dir, "kill-me.mjs");
    fs.writeFileSync(child, `import * as fs from "node:fs"; fs.writeFileSync(process.argv[2] + "/.m.json.tmp-" + process.pid + "-0a1b2c3d", "half"); process.kill(process.pid, "SIGKILL");`);
    try {
      execFileSync(process.execPath, [child, j("killed")]);
    } catch {
      /* killed, as intended */
    }
    const recentLive = `.m.json.tmp-${process.ppid}-ffffffff`; // a save still running in a live process: left alone
    fs.writeFileSync(j("killed", recentLive), "in progress");
    const otherDead = ".other.json.tmp-999999999-0123abcd"; // another file's killed save (no such pid): cleaned too
    fs.writeFileSync(j("killed", otherDead), "half");
    const notOurs = ".notes.tmp-12"; // not our naming: left alone
    fs.writeFileSync(j("killed", notOurs), "someone else's");
    expect(temps(j("killed"))).toHaveLength(4);
    writeFileAtomic(j("killed", "m.json"), "whole");
    expect(temps(j("killed")).sort()).toEqual([notOurs, recentLive].sort());
    expect(fs.readFileSync(j("killed", "m.json"), "utf8")).toBe("whole");
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
    expect(() => checkOutputPaths([{ path: "/dev/null", what: "--json" }])).toThrow("is not a regular file (a device, a pipe or a socket)");
  });

  it("fine outputs pass and nothing is created", () => {
    const before = fs.readdirSync(dir).sort();
    checkOutputPaths([{ path: j("new", "run.json"), what: "--json" }, { path: j("model.json"), what: "--save", bytes: 1000 }], [{ path: j("in.csv"), what: "--csv" }]);
    expect(fs.readdirSync(dir).sort()).toEqual(before);
  });
});
