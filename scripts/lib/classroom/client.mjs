// A student's side of the hub over HTTP, without a browser: log in through the login form, start the
// server, open a kernel and run a notebook's code cells one by one. Used by the classroom test and the load
// benchmark (`npm run bench -- classroom`). Node 20 has no WebSocket client without a flag, so the few
// lines of RFC 6455 a Jupyter kernel channel needs are here.

import { createHash, randomBytes, randomUUID } from "node:crypto";
import { request } from "node:http";
import { KERNEL_NAME } from "../setup.mjs";
import { KERNEL_INFO_TIMEOUT_SECONDS } from "./hub.mjs";

export class Student {
  constructor(base, name) {
    this.base = base.replace(/\/$/, "");
    this.name = name;
    this.cookies = new Map();
  }

  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  /** fetch with this student's cookies; follows redirects itself (to keep the cookies they set). */
  async get(path, init = {}, redirects = 20) {
    let url = new URL(path, this.base);
    let method = init.method ?? "GET";
    let body = init.body;
    for (let hop = 0; hop <= redirects; hop++) {
      const headers = { ...(init.headers ?? {}), Cookie: this.cookieHeader() };
      const xsrf = this.cookies.get("_xsrf");
      if (xsrf && method !== "GET") headers["X-XSRFToken"] = decodeURIComponent(xsrf);
      const res = await fetch(url, { method, body, headers, redirect: "manual", signal: AbortSignal.timeout(init.timeout ?? 60_000) });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(";");
        const eq = pair.indexOf("=");
        const key = pair.slice(0, eq).trim();
        const value = pair.slice(eq + 1).trim();
        if (/max-age=0|expires=thu, 01 jan 1970/i.test(c) || value === '""') this.cookies.delete(key);
        else this.cookies.set(key, value);
      }
      if (res.status >= 300 && res.status < 400 && res.headers.get("location") && init.follow !== false) {
        url = new URL(res.headers.get("location"), url);
        method = "GET";
        body = undefined;
        continue;
      }
      return { res, url };
    }
    throw new Error(`${this.name}: too many redirects from ${path}`);
  }

  /** Log in through the hub's login form (as a browser would post it). Throws with the page's message. */
  async login(password) {
    const { res: page } = await this.get("/hub/login");
    const html = await page.text();
    const xsrf = /name="_xsrf" value="([^"]+)"/.exec(html)?.[1];
    const form = new URLSearchParams({ username: this.name, password, ...(xsrf ? { _xsrf: xsrf } : {}) });
    const { res } = await this.get("/hub/login?next=", { method: "POST", body: form, headers: { "Content-Type": "application/x-www-form-urlencoded" }, follow: false });
    if (res.status !== 302) {
      const text = await res.text();
      throw new Error(`${this.name}: login refused (${res.status}): ${/class="login_error">\s*([^<]*)/.exec(text)?.[1]?.trim() ?? text.slice(0, 200)}`);
    }
    return true;
  }

  /** Start (or reach) the student's server and pass its OAuth hand-shake; resolves when /user/NAME/api answers. */
  async openServer(timeoutMs = 120_000) {
    const deadline = Date.now() + timeoutMs;
    const prefix = `/user/${this.name}/`;
    await this.get("/hub/spawn", { timeout: timeoutMs });
    while (Date.now() < deadline) {
      // The tree page takes the OAuth hand-shake (and sets the server's cookies) once the server is up;
      // until then the hub answers with its spawn-pending page.
      const { res, url } = await this.get(`${prefix}tree`, { timeout: timeoutMs });
      await res.text();
      if (res.ok && url.pathname.startsWith(prefix)) return true;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`${this.name}: the server did not come up within ${timeoutMs / 1000} s`);
  }

  async api(path, init = {}) {
    const { res } = await this.get(`/user/${this.name}/api/${path}`, init);
    const text = await res.text();
    return { status: res.status, json: text ? safeJson(text) : null, text };
  }

  /** Start a kernel (the server's default, the course's KERNEL_NAME) with `path` as its notebook; returns a KernelChannel. */
  async kernel(path = "notebooks/untitled.ipynb") {
    const r = await this.api("sessions", { method: "POST", body: JSON.stringify({ path, type: "notebook", name: "", kernel: { name: KERNEL_NAME } }), headers: { "Content-Type": "application/json" } });
    if (r.status !== 201) throw new Error(`${this.name}: could not start a kernel (${r.status}): ${r.text.slice(0, 300)}`);
    const id = r.json.kernel.id;
    const channel = await KernelChannel.open(new URL(`/user/${this.name}/api/kernels/${id}/channels?session_id=${randomUUID()}`, this.base), this.cookieHeader());
    channel.id = id;
    return channel;
  }
}

const safeJson = (t) => {
  try {
    return JSON.parse(t);
  } catch {
    return null;
  }
};

/**
 * One kernel's websocket: execute(code) → { status, stdout, stderr, error, seconds }.
 *
 * Like the Notebook page, it reconnects when the connection drops without being asked to close (with the
 * same session id, so the server replays what the kernel sent meanwhile, and a cell in flight still gets its
 * reply): a dropped websocket is not a lost lesson. What ended each connection is kept in `drops` (when, the
 * close code and reason if the server sent a close frame, else how the connection ended), and a request that
 * fails because the channel is gone says it.
 */
export class KernelChannel {
  /** Open a channel to `url` (…/api/kernels/ID/channels?session_id=…) with `cookie`. */
  static async open(url, cookie) {
    const { socket, head } = await KernelChannel.connect(url, cookie);
    const channel = new KernelChannel(socket, head);
    channel.reopen = () => KernelChannel.connect(url, cookie);
    return channel;
  }

  /**
   * The websocket hand-shake: resolves with the upgraded socket, or rejects saying what the server answered.
   * The server answers the hand-shake only once the kernel has answered a kernel_info request, or after it
   * gave up waiting (KERNEL_INFO_TIMEOUT_SECONDS): like a browser, wait longer than that. (At 60 s, as long as
   * Jupyter's default wait, this client gave up at the very moment the server would have answered: issue 32.)
   */
  static connect(url, cookie, timeoutMs = (KERNEL_INFO_TIMEOUT_SECONDS + 30) * 1000) {
    return new Promise((resolveOpen, reject) => {
      const key = randomBytes(16).toString("base64");
      // agent: false: a connection of its own, not one of the global agent's keep-alive sockets
      const req = request(url, { agent: false, headers: { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": key, Cookie: cookie } });
      const timer = setTimeout(() => req.destroy(new Error(`websocket to ${url.pathname}: no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      req.on("upgrade", (res, socket, head) => {
        clearTimeout(timer);
        const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
        if (res.headers["sec-websocket-accept"] !== accept) return reject(new Error("websocket: bad Sec-WebSocket-Accept"));
        socket.setTimeout(0); // the upgraded socket keeps no idle timeout of the request's
        socket.setNoDelay(true);
        resolveOpen({ socket, head });
      });
      req.on("response", (res) => {
        clearTimeout(timer);
        reject(new Error(`websocket to ${url.pathname} refused: ${res.statusCode}`));
      });
      req.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      req.end();
    });
  }

  constructor(socket, head, { reconnects = 3 } = {}) {
    this.session = randomUUID();
    this.waiting = new Map(); // msg_id → { result, done }
    this.closed = false; // closed for good: by close(), or when reconnecting failed
    this.drops = []; // what ended each connection: { afterSeconds, how }
    this.reconnectsLeft = reconnects;
    this.reopen = null; // set by open(): how to connect again
    this.opened = Date.now();
    this.attach(socket, head);
  }

  attach(socket, head) {
    this.socket = socket;
    this.chunks = head.length ? [head] : [];
    this.buffered = head.length;
    this.fragments = [];
    this.connected = true;
    for (const frame of this.outbox ?? []) socket.write(frame);
    this.outbox = [];
    let how = "the connection ended without a close frame";
    socket.on("data", (d) => {
      this.chunks.push(d);
      this.buffered += d.length;
      const said = this.parse();
      if (said) how = said;
    });
    socket.on("error", (e) => {
      how = `a socket error (${e.code ?? e.message})`;
    });
    socket.on("close", () => {
      if (this.socket !== socket) return;
      this.connected = false;
      if (this.closed) return; // we asked for it
      this.drops.push({ afterSeconds: (Date.now() - this.opened) / 1000, how });
      this.reconnect();
    });
  }

  /** Connect again after a drop; when that fails, every waiting request ends in an error saying why. */
  async reconnect() {
    const why = () => this.drops.map((d) => `${d.how} after ${d.afterSeconds.toFixed(1)} s`).join("; then ");
    while (!this.closed && this.reconnectsLeft > 0 && this.reopen) {
      this.reconnectsLeft--;
      await new Promise((r) => setTimeout(r, 500));
      try {
        const { socket, head } = await this.reopen();
        if (this.closed) return socket.destroy();
        this.attach(socket, head);
        return;
      } catch (e) {
        this.drops.push({ afterSeconds: (Date.now() - this.opened) / 1000, how: `reconnecting failed: ${e.message}` });
      }
    }
    this.closed = true;
    for (const w of [...this.waiting.values()]) w.done(new Error(`the kernel's websocket closed (${why()})`));
  }

  /** Read the complete frames buffered so far; returns what a close frame said, if one came. */
  parse() {
    let said = "";
    for (;;) {
      if (this.buffered < 2) return said;
      const buf = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
      this.chunks = [buf];
      let len = buf[1] & 0x7f;
      let offset = 2;
      if (len === 126) {
        if (buf.length < 4) return said;
        len = buf.readUInt16BE(2);
        offset = 4;
      } else if (len === 127) {
        if (buf.length < 10) return said;
        len = Number(buf.readBigUInt64BE(2));
        offset = 10;
      }
      if (buf.length < offset + len) return said;
      const fin = buf[0] & 0x80;
      const opcode = buf[0] & 0x0f;
      const payload = buf.subarray(offset, offset + len);
      const rest = buf.subarray(offset + len);
      this.chunks = rest.length ? [rest] : [];
      this.buffered = rest.length;
      if (opcode === 0x9) this.send(payload, 0xa);
      else if (opcode === 0x8) {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : null;
        said = `the server closed it (close frame, code ${code ?? "none"}${payload.length > 2 ? `: ${payload.subarray(2).toString("utf8")}` : ""})`;
        this.socket.end();
      }
      else if (opcode === 0x1 || opcode === 0x2 || opcode === 0x0) {
        this.fragments.push(Buffer.from(payload));
        if (fin) {
          const text = Buffer.concat(this.fragments).toString("utf8");
          this.fragments = [];
          this.onMessage(safeJson(text));
        }
      }
    }
  }

  send(payload, opcode = 0x1) {
    const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
    const mask = randomBytes(4);
    const len = data.length;
    const header = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len]) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
    if (len >= 126 && len < 65536) {
      header[0] = 0x80 | opcode;
      header[1] = 0x80 | 126;
      header.writeUInt16BE(len, 2);
    } else if (len >= 65536) {
      header[0] = 0x80 | opcode;
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(len), 2);
    }
    const masked = Buffer.alloc(len);
    for (let i = 0; i < len; i++) masked[i] = data[i] ^ mask[i & 3];
    const frame = Buffer.concat([header, mask, masked]);
    if (this.connected) this.socket.write(frame);
    else if (opcode !== 0xa) this.outbox.push(frame); // sent once connected again (a pong belongs to its connection)
  }

  onMessage(msg) {
    // The server says so when the kernel process died (e.g. killed by V8 for want of memory): every request
    // waiting on it ends in an error instead of waiting for a reply that will never come.
    const state = msg?.header?.msg_type === "status" ? msg.content?.execution_state : "";
    if (state === "restarting" || state === "dead") {
      for (const w of [...this.waiting.values()]) {
        w.result.status = "error";
        w.result.error ||= `the kernel died (${state})`;
        w.done();
      }
      return;
    }
    const parent = msg?.parent_header?.msg_id;
    const w = parent && this.waiting.get(parent);
    if (!w) return;
    const type = msg.header.msg_type;
    if (type === "stream") w.result[msg.content.name] += msg.content.text;
    else if (type === "error") w.result.error = `${msg.content.ename}: ${msg.content.evalue}`;
    else if (type === "execute_reply") {
      w.result.status = msg.content.status;
      if (msg.content.status === "error" && !w.result.error) w.result.error = `${msg.content.ename ?? "Error"}: ${msg.content.evalue ?? ""}`;
      w.replied = true;
    } else if (type === "status" && msg.content.execution_state === "idle" && w.replied) w.done();
    if (type === "execute_reply" && w.idle) w.done();
    if (type === "status" && msg.content.execution_state === "idle") w.idle = true;
  }

  /** Run `code`; resolves after the kernel's reply, or with status "timeout" after timeoutMs. */
  execute(code, timeoutMs = 300_000) {
    const msgId = randomUUID();
    const t0 = Date.now();
    return new Promise((resolveRun) => {
      const result = { status: "", stdout: "", stderr: "", error: "", seconds: 0 };
      const timer = setTimeout(() => finish(new Error("timeout")), timeoutMs);
      const finish = (err) => {
        clearTimeout(timer);
        this.waiting.delete(msgId);
        if (err) {
          result.status = err.message === "timeout" ? "timeout" : "error";
          result.error ||= err.message;
        }
        result.seconds = (Date.now() - t0) / 1000;
        resolveRun(result);
      };
      this.waiting.set(msgId, { result, done: finish, replied: false, idle: false });
      if (this.closed) {
        const why = this.drops.length ? ` (${this.drops.map((d) => `${d.how} after ${d.afterSeconds.toFixed(1)} s`).join("; then ")})` : "";
        return finish(new Error(`the kernel's websocket is closed${why}`));
      }
      const header = { msg_id: msgId, msg_type: "execute_request", username: "", session: this.session, date: new Date().toISOString(), version: "5.3" };
      const content = { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true };
      this.send(JSON.stringify({ header, parent_header: {}, metadata: {}, content, channel: "shell", buffers: [] }));
    });
  }

  close() {
    this.closed = true;
    try {
      this.send(Buffer.alloc(0), 0x8);
      this.socket.end();
    } catch {
      /* already gone */
    }
  }
}

/** The code cells of a notebook file's JSON. */
export function codeCells(notebook) {
  return notebook.cells.filter((c) => c.cell_type === "code").map((c) => ({ source: Array.isArray(c.source) ? c.source.join("") : c.source, tags: c.metadata?.tags ?? [] }));
}

/**
 * Run the code cells in order in one kernel; stop at the first failure (a cell tagged raises-exception may
 * fail). Returns { ok, seconds, failed: { index, error } | null }.
 */
export async function runNotebook(channel, notebook, timeoutMs = 600_000) {
  const t0 = Date.now();
  const cells = codeCells(notebook);
  for (const [index, cell] of cells.entries()) {
    const left = timeoutMs - (Date.now() - t0);
    const r = await channel.execute(cell.source, Math.max(left, 1));
    const expectsError = cell.tags.includes("raises-exception");
    if (r.status === "timeout" || (r.status !== "ok" && !expectsError)) {
      return { ok: false, seconds: (Date.now() - t0) / 1000, failed: { index, error: r.error || r.stderr.slice(0, 300) || r.status } };
    }
    if (expectsError) await new Promise((r2) => setTimeout(r2, 300)); // tslab drops requests within 200 ms of an error
  }
  return { ok: true, seconds: (Date.now() - t0) / 1000, failed: null };
}
