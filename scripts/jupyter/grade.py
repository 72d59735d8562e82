"""Grade students' notebooks: run each one headlessly, in a fresh kernel, with a time limit, and report
one status per exercise (correct, wrong, unanswered or error).

Called by scripts/commands/grade.ts (`npm run grade -- …`), which reads the command line, finds the notebooks,
checks the output and writes the class table; this script only grades:

    python3 grade.py SPEC.json      SPEC: {"jobs": [[student or null, label, path], …], "classMode": bool,
                                           "timeout": seconds, "rows": where to write [[student, label, {exercise: status}], …]}

A notebook that cannot be read (not JSON, no cells) still gets its rows: every exercise of its chapter is `error`
(or one row `(notebook)`, `error` when its chapter has none), so that no submission vanishes from the table.

Which exercises a notebook has: those registered in lib/course/exercises/ for its chapter (the NN of
NN-….ipynb), plus any other check("…") its cells call. An exercise's status comes from the line its
check printed ("Exercise 5.2: Correct!" / "Not quite: …" / "Not answered yet …"). A check cell that fails
or prints no verdict is `error`; after a timeout or a dead kernel every exercise not yet checked is
`error` and grading goes on with the next notebook. A check cell the student deleted is `unanswered`.

Students' code runs with the rights of whoever runs this: use a container or a throwaway account.
"""

import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_notebooks as rn  # noqa: E402  (sets JUPYTER_PATH to the project's kernelspec)

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbclient.exceptions import CellTimeoutError, DeadKernelError  # noqa: E402

STATUSES = ("correct", "wrong", "unanswered", "error")
VERDICT = re.compile(r"^Exercise (\S+): (Correct!|Not quite:|Not answered yet)")
CHECK_CALL = re.compile(r"""\bcheck\(\s*["'`](?:Exercise\s+)?([^"'`]+)["'`]""")
CHAPTER = re.compile(r"^(\d+)-")


def watch_parent():
    """If whoever started us dies (npm killed, terminal closed, even SIGKILL), stop as on SIGTERM."""
    rn.lifeline.hold(lambda: os.kill(os.getpid(), rn.signal.SIGTERM))


def registered_exercises():
    """{"5": ["5.1", …]} from lib/course/exercises (through tsx)."""
    tsx = os.path.join(rn.ROOT, "node_modules", ".bin", "tsx")
    out = subprocess.run([tsx, os.path.join(rn.ROOT, "scripts", "generate", "list-exercises.ts")], cwd=rn.ROOT,
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError("could not list the exercises (scripts/generate/list-exercises.ts): " + out.stderr.strip().split("\n")[-1])
    return json.loads(out.stdout)


def expected_exercises(path, nb, registry):
    names = []
    m = CHAPTER.match(os.path.basename(path))
    if m:
        names += registry.get(str(int(m.group(1))), [])
    for cell in nb.cells:
        if cell.cell_type == "code":
            for name in CHECK_CALL.findall(cell.source):
                if name not in names:
                    names.append(name)
    return names


def stdout_of(cell):
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


def grade_notebook(path, registry, timeout):
    """({exercise: status}, note): runs the notebook and reads its checks' verdicts."""
    try:
        nb = nbformat.read(path, as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("it has no list of cells")
        for cell in nb.cells:
            cell.setdefault("source", "")
            cell.setdefault("cell_type", "raw")
        names = expected_exercises(path, nb, registry)
    except Exception as e:  # not JSON, not a notebook: every exercise of its chapter is an error, none vanishes
        m = CHAPTER.match(os.path.basename(path))
        names = list(registry.get(str(int(m.group(1))), [])) if m else []
        why = str(e).splitlines()[0] if str(e) else type(e).__name__
        return {n: "error" for n in (names or ["(notebook)"])}, f"unreadable notebook: {why}", names or ["(notebook)"]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    status = {}
    cell_of = {}  # exercise -> index of the (last) cell that calls its check
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            for name in CHECK_CALL.findall(cell.source):
                cell_of[name] = index
    replies = {}
    client = NotebookClient(nb, kernel_name=rn.KERNEL_NAME, timeout=timeout, startup_timeout=120, allow_errors=True,
                            shutdown_kernel="immediate", resources={"metadata": {"path": rn.ROOT}},
                            on_cell_executed=lambda cell, cell_index, execute_reply: replies.__setitem__(cell_index, execute_reply))
    note = ""
    stopped = False
    pid = None
    deadline = time.monotonic() + timeout
    try:
        client.km = client.create_kernel_manager()
        client.start_new_kernel(cwd=rn.ROOT)
        pid = rn.kernel_pid(client)
        client.start_new_kernel_client()
        count = 0
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                note, stopped = f"timed out (the limit is {timeout} s for the notebook)", True
                break
            count += 1
            client.timeout = max(1, int(remaining + 0.999))
            try:
                client.execute_cell(cell, index, execution_count=count)
            except CellTimeoutError:
                note, stopped = f"timed out in cell {index + 1} (the limit is {timeout} s for the notebook)", True
                break
            except DeadKernelError:
                note, stopped = f"the kernel died in cell {index + 1}", True
                break
            for line in stdout_of(cell).splitlines():
                m = VERDICT.match(line)
                if m:
                    word = m.group(2)
                    status[m.group(1)] = "correct" if word == "Correct!" else "wrong" if word == "Not quite:" else "unanswered"
            reply = replies.get(index) or {}
            failed = reply.get("content", {}).get("status") == "error" or any(
                o.get("output_type") == "error" for o in cell.outputs)
            if failed:
                if not note:
                    note = f"error in cell {index + 1}"
                for name, where in cell_of.items():
                    if where == index and name not in status:
                        status[name] = "error"
                time.sleep(0.4)  # tslab drops requests arriving within 200 ms of an error
    except rn.Interrupted:
        raise
    except Exception as e:  # the kernel would not start, …
        note, stopped = f"could not run: {str(e).splitlines()[0] if str(e) else type(e).__name__}", True
    finally:
        rn.stop_kernel(client, pid)
    result = {}
    for name in names:
        if name in status:
            result[name] = status[name]
        elif stopped:
            result[name] = "error"
        elif name in cell_of:
            result[name] = "error"  # its check ran but printed no verdict
        else:
            result[name] = "unanswered"  # its check cell is gone
    return result, note, names


def summary_table(rows, class_mode):
    """rows: [(student, notebook, {exercise: status}, note)] → a text table."""
    head = (["student"] if class_mode else []) + ["notebook"] + list(STATUSES) + ["note"]
    table = [head]
    for student, notebook, result, note in rows:
        counts = [str(sum(1 for s in result.values() if s == k)) for k in STATUSES]
        table.append(([student] if class_mode else []) + [notebook] + counts + [note])
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv):
    with open(argv[0], encoding="utf-8") as f:
        spec = json.load(f)
    jobs, class_mode, timeout = spec["jobs"], spec["classMode"], spec["timeout"]
    try:
        registry = registered_exercises()
    except Exception as e:
        print(f"grade: {e}", file=sys.stderr)
        return 1

    rn.signal.signal(rn.signal.SIGINT, rn.on_signal)
    rn.signal.signal(rn.signal.SIGTERM, rn.on_signal)
    watch_parent()
    rows = []
    try:
        for student, label, path in jobs:
            who = f"{student}/{label}" if student else label
            print(f"▶ {who}", file=sys.stderr, flush=True)
            began = time.monotonic()
            result, note, names = grade_notebook(path, registry, timeout)
            rows.append((student, label, result, note))
            print(f"  {time.monotonic() - began:.1f} s: " + (", ".join(f"{n} {result[n]}" for n in names) or "no exercises")
                  + (f"  ({note})" if note else ""), file=sys.stderr, flush=True)
    except rn.Interrupted as e:
        print(f"\ninterrupted: kernel shut down; nothing written", file=sys.stderr)
        return 128 + e.signum

    with open(spec["rows"], "w", encoding="utf-8") as f:  # grade.ts writes the table from these
        json.dump([[student, label, result] for student, label, result, _ in rows], f)
    print("\n" + summary_table(rows, class_mode), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
