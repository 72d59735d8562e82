// jupyter/kernels/tslab/kernel-sockets.cjs, with tslab's own ZmqServer and the real zeromq: the kernel binds the
// addresses jupyter_client connects to (ipc: PATH-N, tcp: IP:PORT; jupyter_client's connect.py, _make_url), and a
// burst of sends from one synchronous stretch of code all arrive (zeromq.js otherwise throws "Socket is busy
// writing" after its 512th send, and tslab lost that message: issue 32).
import { describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const { immediateSends, bindAsJupyterClient } = require("../jupyter/kernels/tslab/kernel-sockets.cjs");
const zmq = require("zeromq");
const { ZmqServer } = require("tslab/dist/jupyter.js");

/** A subscriber on `address` (one receive pending at a time, as zeromq.js requires). */
function subscriber(address: string) {
  const sub = new zmq.Subscriber();
  sub.connect(address);
  sub.subscribe();
  let pending: Promise<Buffer[]> | null = null;
  /** The next message's text, or null after `ms`. */
  const next = async (ms: number): Promise<string | null> => {
    pending ??= sub.receive();
    const got = await Promise.race([pending, new Promise<null>((r) => setTimeout(() => r(null), ms))]);
    if (got === null) return null;
    pending = null;
    return got[0].toString();
  };
  return { sub, next };
}

/** Publish "hello" until the subscriber sees it (a subscription takes a moment to reach the publisher). */
async function subscribed(pub: any, address: string) {
  const s = subscriber(address);
  for (;;) {
    await pub.send("hello");
    if ((await s.next(50)) !== null) return s;
  }
}

/** Receive until `count` messages other than "hello" have come, or `ms` pass; returns those messages. */
async function receiveAll(s: ReturnType<typeof subscriber>, count: number, ms = 10_000): Promise<string[]> {
  const out: string[] = [];
  const deadline = Date.now() + ms;
  while (out.length < count && Date.now() < deadline) {
    const text = await s.next(deadline - Date.now());
    if (text === null) break;
    if (text !== "hello") out.push(text);
  }
  return out;
}

describe("kernel-sockets.cjs", () => {
  bindAsJupyterClient(ZmqServer);
  immediateSends(zmq.Publisher);
  immediateSends(zmq.Router);

  it("binds tslab's socket at jupyter_client's ipc address PATH-N, and 20,000 sends from one synchronous loop all arrive", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kernel-sockets-"));
    const server = new ZmqServer(null, "");
    server.connInfo = { transport: "ipc", ip: join(dir, "kernel-ipc") };
    const pub = new zmq.Publisher();
    try {
      await server.bindSocket(pub, 3);
      const sub = await subscribed(pub, `ipc://${join(dir, "kernel-ipc")}-3`); // as jupyter_client connects
      // Not awaited, as tslab sends: 20 times the queue's default high-water mark, 2 MB, far more than the I/O
      // thread writes before the loop ends (CI once received 1,050 of 1,200 with the default mark).
      const pad = "·".repeat(100);
      for (let i = 0; i < 20_000; i++) pub.send(`line ${i} ${pad}`);
      const got = await receiveAll(sub, 20_000);
      expect(got.length).toBe(20_000);
      expect(got[0]).toBe(`line 0 ${pad}`);
      expect(got[19_999]).toBe(`line 19999 ${pad}`);
      sub.sub.close();
    } finally {
      pub.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("binds tslab's socket at IP:PORT for tcp, as before", async () => {
    const probe = new zmq.Publisher();
    await probe.bind("tcp://127.0.0.1:*");
    const port = Number(/:(\d+)$/.exec(probe.lastEndpoint)![1]);
    probe.close();
    await new Promise((r) => setTimeout(r, 100));
    const server = new ZmqServer(null, "");
    server.connInfo = { transport: "tcp", ip: "127.0.0.1" };
    const pub = new zmq.Publisher();
    try {
      await server.bindSocket(pub, port);
      expect(pub.lastEndpoint).toBe(`tcp://127.0.0.1:${port}`);
      const sub = await subscribed(pub, `tcp://127.0.0.1:${port}`);
      pub.send("one");
      expect(await receiveAll(sub, 1)).toEqual(["one"]);
      sub.sub.close();
    } finally {
      pub.close();
    }
  });
});
