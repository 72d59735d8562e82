// A child process dies with its parent, however the parent ends (Ctrl-C, SIGTERM, SIGKILL, a crash).
//
// The one mechanism every script uses:
//   - spawnTied(cmd, args, options): starts a child with a "lifeline", a pipe on its file descriptor 3 whose
//     other end only we hold, and LIFELINE_FD=3:<our pid> in its environment (a grandchild that inherits the
//     variable sees another parent pid and ignores it). When we end, in any way at all, the
//     system closes our end, and the child reads end-of-file there. A Python child holds it with
//     scripts/jupyter/lifeline.py (`python3 scripts/jupyter/lifeline.py -m notebook …` runs any module so); a Node
//     child with onParentGone below.
//   - onParentGone(callback): in a Node script, calls back once when the process that started us is gone:
//     the lifeline closed (if we were given one), or we were handed over to another parent (npm runs us
//     through `sh -c`, which dies on SIGTERM without passing it on; a killed npm leaves us behind).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { Socket } from "node:net";

export const LIFELINE_FD = 3;

/** spawn(), with the lifeline on fd 3. `options.stdio` gives fds 0–2 (default "inherit"). */
export function spawnTied(cmd, args, options = {}) {
  const base = options.stdio ?? "inherit";
  const stdio = Array.isArray(base) ? base.slice(0, 3) : [base, base, base];
  while (stdio.length < LIFELINE_FD) stdio.push("inherit");
  stdio[LIFELINE_FD] = "pipe";
  const env = { ...(options.env ?? process.env), LIFELINE_FD: `${LIFELINE_FD}:${process.pid}` };
  const child = spawn(cmd, args, { ...options, env, stdio });
  // Our end must not keep the event loop alive, and must never be written to by anyone else.
  child.stdio[LIFELINE_FD]?.unref?.();
  return child;
}

/** The parent pid of process `pid` (Linux: /proc), or null where that cannot be read. */
function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return null;
  }
}

/**
 * Call `callback` (once) when whoever started this process is gone. `throughWrapper`: we run under a wrapper
 * process that does not notice its own parent going (tsx starts the script as its child): the wrapper's
 * parent is watched too.
 */
export function onParentGone(callback, everyMs = 500, { throughWrapper = false } = {}) {
  let called = false;
  const gone = (why) => {
    if (called) return;
    called = true;
    callback(why);
  };
  const [fd, owner] = String(process.env.LIFELINE_FD ?? "").split(":").map(Number);
  delete process.env.LIFELINE_FD; // our own children get their own lifeline, not ours
  if (Number.isInteger(fd) && fd > 2 && owner === process.ppid) {
    try {
      // A net.Socket, not fs.createReadStream: a file stream would block a thread of libuv's pool in read(),
      // and process.exit() waits for that thread forever. A socket watches the pipe without a thread.
      const lifeline = new Socket({ fd, readable: true, writable: false });
      lifeline.on("data", () => {}); // nothing is ever sent: only the end matters
      lifeline.on("end", () => gone("parent process gone (lifeline closed)"));
      lifeline.on("close", () => gone("parent process gone (lifeline closed)"));
      lifeline.on("error", () => {}); // not a pipe after all: the check below still works
      lifeline.unref();
    } catch {
      /* no such descriptor: fall back on the check below */
    }
  }
  const parent = process.ppid;
  const grandparent = throughWrapper ? parentOf(parent) : null;
  setInterval(() => {
    if (process.ppid !== parent) gone("parent process gone");
    else if (grandparent !== null && parentOf(parent) !== grandparent) gone("the process that started our wrapper is gone");
  }, everyMs).unref();
}
