// Two fixes to how tslab 1.0.22 uses its ZeroMQ sockets, loaded before tslab by the kernelspec beside it
// (kernel.json: `node --require <this file> … tslab kernel …`). Both lost a student's kernel when a class opened a
// chapter at once (issue 32: `npm run bench -- classroom`, the hub's log):
//
// 1. The kernel's sockets on a Unix socket instead of a TCP port. A Jupyter server picks five free TCP ports for a
//    new kernel, closes them, and the kernel binds them a few seconds later (more under load). Meanwhile any
//    program may take one of them (they come from the ephemeral range every outgoing connection uses): the
//    kernel then failed to bind it ("Address already in use", an unhandled rejection inside tslab), ran without
//    that socket, never answered the server, and the student's websocket closed. With the server's
//    `--KernelManager.transport=ipc` (the class's hub sets it) the connection file names paths, not ports: tslab
//    binds `tcp://IP:PORT` only, and here binds `ipc://PATH-N`, the address jupyter_client connects to.
//
// 2. No "Socket is busy writing". zeromq.js answers every 512th send on a socket "later", and another send before
//    the event loop turns throws EBUSY; tslab does not await its sends, so the second message is lost. When a
//    kernel starts slowly, the server sends it a kernel_info request twice a second until it answers; the
//    kernel then answers the backlog at once (a reply and two status messages each) and reached the 513th send:
//    a request dropped without a reply. A send timeout of 0 makes every send immediate (a publisher or router
//    socket drops rather than blocks). lib/course/plot.ts did this for the output socket from the first cell on;
//    here it holds for every socket from the start.
//
// 3. No message dropped by a burst. An immediate send on a publisher or router whose queue holds its high-water
//    mark (1,000 messages by default) drops the message. A cell that prints in a loop sends faster than the
//    socket's I/O thread writes on a busy machine (CI: 1,050 of 1,200 arrived). The queue is unbounded (high-water
//    mark 0, set before the socket binds, when each connection's queue takes it): a burst waits in memory until it
//    is written, as the messages waited inside tslab before.
//
// An error inside this file leaves tslab as it is.
"use strict";

const Module = require("node:module");

const IMMEDIATE = Symbol("mnist-kernel-immediate-send");

/** `proto[name]` runs `before` on its socket first, then itself. */
function runFirst(proto, name, before) {
  const method = proto[name];
  Object.defineProperty(proto, name, {
    configurable: true,
    writable: true,
    value: function (...args) {
      before(this);
      return method.apply(this, args);
    },
  });
}

/** Every send of sockets of class `Socket` immediate (sendTimeout 0) and never dropped (an unbounded queue, set
 *  before the socket binds), once per class. */
function immediateSends(Socket) {
  const proto = Socket?.prototype;
  if (!proto || proto[IMMEDIATE] || typeof proto.send !== "function" || typeof proto.bind !== "function") return;
  runFirst(proto, "bind", (socket) => {
    if (socket.sendHighWaterMark !== 0) socket.sendHighWaterMark = 0;
  });
  runFirst(proto, "send", (socket) => {
    if (socket.sendTimeout !== 0) socket.sendTimeout = 0;
  });
  proto[IMMEDIATE] = true;
}

/** tslab's ZmqServer binds each socket at the address jupyter_client connects to, for tcp and ipc alike. */
function bindAsJupyterClient(ZmqServer) {
  const proto = ZmqServer?.prototype;
  if (!proto || typeof proto.bindSocket !== "function") return;
  proto.bindSocket = async function (sock, port) {
    const { transport, ip } = this.connInfo;
    // jupyter_client's address (connect.py, _make_url): tcp://IP:PORT, otherwise TRANSPORT://IP-PORT
    await sock.bind(transport === "tcp" ? `tcp://${ip}:${port}` : `${transport}://${ip}-${port}`);
  };
}

const load = Module._load;
Module._load = function (request, parent, isMain) {
  const loaded = load.call(this, request, parent, isMain);
  try {
    const from = parent?.filename ?? "";
    if (request === "zeromq" && /[\\/]tslab[\\/]dist[\\/]/.test(from)) {
      immediateSends(loaded.Publisher);
      immediateSends(loaded.Router);
    } else if (request === "./jupyter" && /[\\/]tslab[\\/]dist[\\/]main\.js$/.test(from)) {
      bindAsJupyterClient(loaded.ZmqServer);
    }
  } catch {
    /* tslab as it is */
  }
  return loaded;
};

module.exports = { immediateSends, bindAsJupyterClient };
