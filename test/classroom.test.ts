// The classroom's pure parts: the roster, the passwords, a student's copy of the course and how an update
// treats their edits, the hub's configuration. (The whole class on a real hub: scripts/classroom-test.mjs.)
import { randomBytes } from "crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { EventEmitter } from "events";
import type { Socket } from "net";
import { afterEach, describe, expect, it } from "vitest";
import { KernelChannel } from "../scripts/lib/classroom/client.mjs";
import { besideName, chapterNotebooks, courseFiles, installCourse } from "../scripts/lib/classroom/course.mjs";
import { hubConfig } from "../scripts/lib/classroom/hub.mjs";
import { csvFields, formatPasswords, parseBytes, parsePasswords, parseRoster, randomPassword } from "../scripts/lib/classroom/roster.mjs";

describe("roster", () => {
  it("reads the username column wherever it is, skipping blank lines, with quotes, CRLF and a BOM", () => {
    const text = '\uFEFFname,Username,email\r\n"Smith, Ann",ann,a@x\r\n\r\nBob,bob_2,"b@x"\r\n';
    expect(parseRoster(text, "class.csv")).toEqual(["ann", "bob_2"]);
  });
  it("splits quoted fields with doubled quotes inside", () => {
    expect(csvFields('a,"say ""hi"", then go",c', "here")).toEqual(["a", 'say "hi", then go', "c"]);
    expect(() => csvFields('a,"open', "roster line 3")).toThrow(/roster line 3: a quoted field is not closed/);
  });
  it("refuses a file without a username column, naming the columns it found", () => {
    expect(() => parseRoster("name,email\nAnn,a@x\n", "class.csv")).toThrow(/class\.csv: expected a CSV whose first line names a "username" column.*found the columns "name", "email"/);
  });
  it("refuses names that are not valid Unix user names, with the line", () => {
    expect(() => parseRoster("username\nann\nBob Smith\n", "r.csv")).toThrow(/r\.csv line 3: "Bob Smith" is not a valid Unix user name/);
    expect(() => parseRoster("username\n1ann\n", "r.csv")).toThrow(/line 2: "1ann"/);
    expect(() => parseRoster("username\n" + "a".repeat(33) + "\n", "r.csv")).toThrow(/at most 32/);
    expect(() => parseRoster("username\nann;rm\n", "r.csv")).toThrow(/not a valid Unix user name/);
  });
  it("refuses an empty name, a name listed twice and a roster without students", () => {
    expect(() => parseRoster("username,name\n,Ann\n", "r.csv")).toThrow(/line 2: the username is empty/);
    expect(() => parseRoster("username\nann\nbob\nann\n", "r.csv")).toThrow(/line 4: "ann" is listed twice \(first on line 2\)/);
    expect(() => parseRoster("username\n", "r.csv")).toThrow(/lists no students/);
  });
});

describe("passwords", () => {
  it("round-trips through passwords.csv", () => {
    const map = new Map([["ann", "pw1"], ["bob", "pw2"]]);
    const text = formatPasswords(map);
    expect(text.split("\n")[0]).toBe("username,password");
    expect(parsePasswords(text)).toEqual(map);
  });
  it("makes 16 characters from an alphabet without look-alikes, different each time", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = randomPassword(randomBytes);
      expect(p).toMatch(/^[a-km-zA-HJ-NP-Z2-9]{16}$/);
      seen.add(p);
    }
    expect(seen.size).toBe(200);
  });
  it("reads memory sizes in binary units", () => {
    expect(parseBytes("3G")).toBe(3 * 2 ** 30);
    expect(parseBytes("1500M")).toBe(1500 * 2 ** 20);
    expect(parseBytes("512MiB")).toBe(512 * 2 ** 20);
    expect(parseBytes("4096")).toBe(4096);
    expect(() => parseBytes("lots")).toThrow(/--mem-limit: expected a size like 3G or 512M, found "lots"/);
  });
});

describe("a student's copy of the course", () => {
  const dirs: string[] = [];
  const temp = () => {
    const d = mkdtempSync(join(tmpdir(), "classroom-test-"));
    dirs.push(d);
    return d;
  };
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const write = (root: string, rel: string, text: string) => {
    mkdirSync(join(root, rel, ".."), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  const release = (root: string, files: Record<string, string>) => Object.entries(files).forEach(([rel, text]) => write(root, rel, text));

  it("lists the course without the solutions, the hidden tests, node_modules or checkpoints", () => {
    const src = temp();
    release(src, {
      "package.json": "{}", "lib/index.ts": "x", "notebooks/01-a.ipynb": "1", "notebooks/solutions/01-solutions.ipynb": "s",
      "notebooks/.ipynb_checkpoints/01-a-checkpoint.ipynb": "c", "test/x.test.ts": "t", "jupyter/kernels/tslab/kernel.json": "{}",
      "lib/course/exercises/hidden/ch01.ts": "expected",
    });
    expect(courseFiles(src)).toEqual(["jupyter/kernels/tslab/kernel.json", "lib/index.ts", "notebooks/01-a.ipynb", "package.json"]);
  });

  it("updates what the student left alone, keeps what they changed and puts the new version beside it", () => {
    const src = temp();
    const home = join(temp(), "mnist-course");
    release(src, { "notebooks/01-a.ipynb": "a1", "notebooks/02-b.ipynb": "b1", "notebooks/03-c.ipynb": "c1", "lib/index.ts": "i1" });
    const first = installCourse(src, home, "2026-01-01");
    expect(first.added).toHaveLength(4);

    write(home, "notebooks/01-a.ipynb", "a1 + my answers"); // the student works on chapter 1 …
    write(home, "notebooks/03-c.ipynb", "c1 + my notes"); //    … and chapter 3
    write(home, "notebooks/my-own.ipynb", "mine");
    release(src, { "notebooks/01-a.ipynb": "a2", "notebooks/02-b.ipynb": "b2", "notebooks/04-d.ipynb": "d1" }); // a new release: 3 unchanged

    const second = installCourse(src, home, "2026-02-01");
    expect(second.added).toEqual(["notebooks/04-d.ipynb"]);
    expect(second.updated).toEqual(["notebooks/02-b.ipynb"]);
    expect(second.beside).toEqual(["notebooks/01-a.update-2026-02-01.ipynb"]);
    expect(second.kept).toEqual(["notebooks/03-c.ipynb"]);
    expect(readFileSync(join(home, "notebooks/01-a.ipynb"), "utf8")).toBe("a1 + my answers");
    expect(readFileSync(join(home, "notebooks/01-a.update-2026-02-01.ipynb"), "utf8")).toBe("a2");
    expect(readFileSync(join(home, "notebooks/02-b.ipynb"), "utf8")).toBe("b2");
    expect(readFileSync(join(home, "notebooks/03-c.ipynb"), "utf8")).toBe("c1 + my notes");
    expect(readFileSync(join(home, "notebooks/my-own.ipynb"), "utf8")).toBe("mine");

    const third = installCourse(src, home, "2026-02-02"); // the same release again: nothing new to write
    expect(third).toEqual({ added: [], same: ["lib/index.ts", "notebooks/02-b.ipynb", "notebooks/04-d.ipynb"], updated: [], beside: [], kept: ["notebooks/01-a.ipynb", "notebooks/03-c.ipynb"] });
    expect(existsSync(join(home, "notebooks/01-a.update-2026-02-02.ipynb"))).toBe(false);
    expect(chapterNotebooks(home)).toEqual(["01-a.ipynb", "02-b.ipynb", "03-c.ipynb", "04-d.ipynb"]);
  });

  it("names the new version beside the old one by its date, keeping the extension", () => {
    expect(besideName("notebooks/05-x.ipynb", "2026-03-04")).toBe("notebooks/05-x.update-2026-03-04.ipynb");
    expect(besideName("lib/layers.ts", "2026-03-04")).toBe("lib/layers.update-2026-03-04.ts");
  });
});

describe("the hub's configuration", () => {
  const config = hubConfig({
    state: "/srv/c", students: ["ann", "bob"], proxyCommand: "/srv/c/hub/proxy/node_modules/.bin/configurable-http-proxy",
    nodeBin: "/srv/c/shared/bin", memLimitBytes: 3 * 2 ** 30, maxProcesses: 512, threads: 1,
  });
  it("lets only the roster log in, with PAM, and makes no one an admin", () => {
    expect(config).toContain('STUDENTS = ["ann","bob"]');
    expect(config).toContain("c.Authenticator.allowed_users = set(STUDENTS)");
    expect(config).toContain("c.Authenticator.admin_users = set()");
    expect(config).toContain('c.JupyterHub.authenticator_class = "pam"');
  });
  it("runs each student's server as the student, limited, in their notebooks with the tslab kernel", () => {
    expect(config).toMatch(/class ClassroomSpawner\(LocalProcessSpawner\)/);
    expect(config).toContain("MEM_LIMIT = 3221225472");
    expect(config).toContain("resource.RLIMIT_DATA");
    expect(config).toContain('c.Spawner.notebook_dir = "~/mnist-course/notebooks"');
    expect(config).toContain("--MappingKernelManager.default_kernel_name=tslab");
    expect(config).toMatch(/"JUPYTER_PATH": lambda spawner:/);
  });
});

describe("the simulated student's kernel channel", () => {
  /** A channel over a fake socket that swallows what is sent. */
  function channel(): KernelChannel {
    const socket = Object.assign(new EventEmitter(), { write: () => true, end: () => undefined });
    return new KernelChannel(socket as unknown as Socket, Buffer.alloc(0));
  }

  it("a request ends in an error, not a wait until its timeout, when the server says the kernel died", async () => {
    const k = channel();
    const pending = k.execute("for (;;) new Float64Array(1e7)", 60_000);
    k.onMessage({ header: { msg_type: "status" }, parent_header: {}, content: { execution_state: "restarting" } });
    const r = await pending;
    expect(r.status).toBe("error");
    expect(r.error).toBe("the kernel died (restarting)");
    expect(r.seconds).toBeLessThan(5);
  });

  it("an ordinary busy/idle status of another request does not end a waiting one", async () => {
    const k = channel();
    const pending = k.execute("1 + 1", 300);
    k.onMessage({ header: { msg_type: "status" }, parent_header: { msg_id: "someone-else" }, content: { execution_state: "idle" } });
    k.onMessage({ header: { msg_type: "status" }, parent_header: {}, content: { execution_state: "busy" } });
    expect((await pending).status).toBe("timeout");
  });

  /** A fake socket: records what is written, and can be dropped (as a network or a proxy would). */
  function fakeSocket() {
    const written: Buffer[] = [];
    const socket = Object.assign(new EventEmitter(), { write: (b: Buffer) => (written.push(b), true), end: () => undefined, destroy: () => undefined });
    return { socket: socket as unknown as Socket, written, drop: () => socket.emit("close") };
  }
  /** The text of a masked client frame. */
  const unmask = (frame: Buffer) => {
    const len = frame[1] & 0x7f;
    const [offset, n] = len === 126 ? [4, frame.readUInt16BE(2)] : [2, len];
    const mask = frame.subarray(offset, offset + 4);
    return Buffer.from(frame.subarray(offset + 4, offset + 4 + n).map((b, i) => b ^ mask[i & 3])).toString("utf8");
  };

  it("reconnects after a dropped connection, like the Notebook page, and a cell sent meanwhile still gets its reply", async () => {
    const first = fakeSocket();
    const second = fakeSocket();
    const k = new KernelChannel(first.socket, Buffer.alloc(0));
    let reopened = 0;
    k.reopen = async () => (reopened++, { socket: second.socket, head: Buffer.alloc(0) });
    first.drop();
    const pending = k.execute("1 + 1", 5_000); // sent while the channel reconnects: it waits in the outbox
    await new Promise((r) => setTimeout(r, 700));
    expect(reopened).toBe(1);
    expect(first.written).toHaveLength(0);
    const sent = JSON.parse(unmask(second.written[0]));
    expect(sent.content.code).toBe("1 + 1");
    const parent = { msg_id: sent.header.msg_id };
    k.onMessage({ header: { msg_type: "execute_reply" }, parent_header: parent, content: { status: "ok" } });
    k.onMessage({ header: { msg_type: "status" }, parent_header: parent, content: { execution_state: "idle" } });
    expect((await pending).status).toBe("ok");
    expect(k.drops.map((d) => d.how)).toEqual(["the connection ended without a close frame"]);
  });

  it("when reconnecting fails, a waiting cell ends in an error that says how the connection ended", async () => {
    const first = fakeSocket();
    const k = new KernelChannel(first.socket, Buffer.alloc(0), { reconnects: 1 });
    k.reopen = async () => {
      throw new Error("websocket to /x refused: 503");
    };
    const pending = k.execute("1 + 1", 5_000);
    // the server's close frame, code 1000: [FIN|close, length 2, 0x03, 0xe8]
    (first.socket as unknown as EventEmitter).emit("data", Buffer.from([0x88, 0x02, 0x03, 0xe8]));
    first.drop();
    const r = await pending;
    expect(r.status).toBe("error");
    expect(r.error).toMatch(/^the kernel's websocket closed \(the server closed it \(close frame, code 1000\) after \d+\.\d s; then reconnecting failed: websocket to \/x refused: 503 after/);
    expect((await k.execute("2", 1_000)).error).toMatch(/^the kernel's websocket is closed \(the server closed it/);
  });
});
