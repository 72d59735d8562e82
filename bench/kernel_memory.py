"""Where one student's kernel memory goes: a fresh tslab kernel (the project's kernelspec, with its compile
cache as a class has it) runs a chapter's code cells in order; after the kernel starts, after the first cell
(the import of ./lib/index) and at the end, it reads the kernel's resident memory from /proc, and at the end
the kernel's own account (V8's heap, the WebAssembly memory, external buffers).

Usage: kernel_memory.py NOTEBOOK   (prints one JSON line)
Run by bench/kernel-memory.ts (`npm run bench -- kernel-memory`), which picks the Python that has
jupyter_client and sets JUPYTER_PATH to the project's kernelspec folder.
"""
import json
import os
import sys
import time

from jupyter_client.manager import start_new_kernel

ACCOUNT = r"""
import { backendInfo as memoryBackendInfo } from "./lib/index";
{
  const v8 = require("v8");
  const mu = process.memoryUsage();
  const spaces: Record<string, number> = {};
  for (const s of v8.getHeapSpaceStatistics()) spaces[s.space_name] = s.space_used_size;
  const ts = Object.keys(require.cache).filter((k) => /typescript/.test(k));
  console.log("@@" + JSON.stringify({ rss: mu.rss, heapTotal: mu.heapTotal, heapUsed: mu.heapUsed, external: mu.external,
    arrayBuffers: mu.arrayBuffers, spaces, wasm: memoryBackendInfo(), typescriptModules: ts }));
}
"""


def status(pid):
    """VmRSS and VmHWM (the peak) of a process, in bytes."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                out[key] = int(value.split()[0]) * 1024
    return out


def run(client, code):
    msg_id = client.execute(code)
    out, errors = [], []
    while True:
        msg = client.get_iopub_msg(timeout=600)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind == "stream":
            (errors if msg["content"]["name"] == "stderr" else out).append(msg["content"]["text"])
        if kind == "error":
            errors.append(msg["content"].get("evalue", "error"))
        if kind == "status" and msg["content"]["execution_state"] == "idle":
            break
    reply = client.get_shell_msg(timeout=600)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = client.get_shell_msg(timeout=600)
    return reply["content"]["status"], "".join(out), "".join(errors)


def kernel_pid(manager):
    """The node process of the kernel (the kernelspec's /bin/sh execs it, so the pid is the same)."""
    prov = getattr(manager, "provisioner", None)
    proc = getattr(prov, "process", None) or getattr(manager, "kernel", None)
    return proc.pid


def main():
    notebook = json.load(open(sys.argv[1]))
    cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    t0 = time.perf_counter()
    manager, client = start_new_kernel(kernel_name="tslab", startup_timeout=180)
    result = {"stages": {}}
    try:
        pid = kernel_pid(manager)
        result["stages"]["started"] = status(pid)
        result["startSeconds"] = time.perf_counter() - t0
        for i, cell in enumerate(cells):
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            t = time.perf_counter()
            state, _, err = run(client, source)
            if i == 0:
                result["firstCellSeconds"] = time.perf_counter() - t
                result["stages"]["first cell"] = status(pid)
            if state != "ok" and "raises-exception" not in cell.get("metadata", {}).get("tags", []):
                # an exercise left unanswered fails its check: that is the chapter as a student finds it
                if "check(" not in source:
                    result["error"] = f"cell {i}: {err.strip()[-300:]}"
                    break
            time.sleep(0.3)  # tslab drops a request within 200 ms of an error
        result["runSeconds"] = time.perf_counter() - t0
        result["stages"]["end"] = status(pid)
        state, out, err = run(client, ACCOUNT)
        line = next((l for l in out.split("\n") if l.startswith("@@")), None)
        result["account"] = json.loads(line[2:]) if line else {"error": err[-300:]}
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
