"""The first cell of a chapter, timed: a fresh tslab kernel (the project's kernelspec), then a cell that
imports ./lib/index as every notebook's first code cell does.

Usage: first_cell.py REPS   (prints one JSON line: the seconds of each phase, per cache mode and repetition)
Run by bench/first-cell.ts (`npm run bench -- first-cell`), which picks the Python that has jupyter_client
and sets JUPYTER_PATH to the project's kernelspec folder.

Each repetition starts three fresh kernels, one per state of the kernel's compile cache
(jupyter/kernels/tslab/compile-cache.cjs), in turn so that a busy moment of the machine falls on all three:
  off    no cache (MNIST_KERNEL_CACHE=off): plain tslab, which type-checks and compiles lib/ in the cell
  cold   an empty cache: the first chapter opened after lib/ changed (tslab's work, and the cache written)
  warm   a cache filled beforehand: every later chapter

Phases, each from a fresh kernel:
  start     starting the kernel until it answers (kernel_info)
  empty     a cell without imports (`1 + 1`)
  import    the import of ./lib/index and one call into it (what a chapter's first cell waits for)
  second    a second cell using the import (the price of a cell once the library is loaded)
"""
import json
import os
import shutil
import sys
import tempfile
import time

from jupyter_client.manager import start_new_kernel

IMPORT_CELL = 'import { Matrix, backendInfo } from "./lib/index";\nMatrix.zeros(2, 2).rows + backendInfo().threads'
SECOND_CELL = "Matrix.zeros(3, 3).cols"


def run(client, code):
    """Executes one cell; seconds until its reply, and the cell's error text if it failed."""
    t0 = time.perf_counter()
    msg_id = client.execute(code)
    errors = []
    while True:
        msg = client.get_iopub_msg(timeout=300)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind == "stream" and msg["content"]["name"] == "stderr":
            errors.append(msg["content"]["text"])
        if kind == "error":
            errors.append(msg["content"].get("evalue", "error"))
        if kind == "status" and msg["content"]["execution_state"] == "idle":
            break
    while True:
        reply = client.get_shell_msg(timeout=300)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    seconds = time.perf_counter() - t0
    if reply["content"]["status"] != "ok":
        errors.append("status " + reply["content"]["status"])
    return seconds, "".join(errors)


def one_kernel(cache):
    """One fresh kernel with MNIST_KERNEL_CACHE=cache: the seconds of each phase."""
    env = dict(os.environ, MNIST_KERNEL_CACHE=cache)
    t0 = time.perf_counter()
    manager, client = start_new_kernel(kernel_name="tslab", startup_timeout=120, env=env)
    try:
        sample = {"start": time.perf_counter() - t0}
        sample["empty"], err = run(client, "1 + 1")
        if not err:
            sample["import"], err = run(client, IMPORT_CELL)
        if not err:
            sample["second"], err = run(client, SECOND_CELL)
        if err:
            print(json.dumps({"error": err.strip()[-500:]}))
            sys.exit(1)
        return sample
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    samples = {"off": [], "cold": [], "warm": []}
    scratch = tempfile.mkdtemp(prefix="first-cell-")
    try:
        warm = os.path.join(scratch, "warm")
        one_kernel(warm)  # fills the warm cache; not timed
        for rep in range(reps):
            samples["off"].append(one_kernel("off"))
            samples["cold"].append(one_kernel(os.path.join(scratch, f"cold-{rep}")))
            samples["warm"].append(one_kernel(warm))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps({"samples": samples}))


if __name__ == "__main__":
    main()
