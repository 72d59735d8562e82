"""Grade ONE submission, alone: started by scripts/jupyter/grade.py once per notebook, in a process of its own.

    python3 grade_worker.py JOB.json        (writes RESULT.json beside it; see grade.py for the fields)

The submission gets a folder of its own, WORK (made by grade.py, mode 711, not listable by the student):

    WORK/course/    a copy of the teacher's course (lib/ with the hidden tests, jupyter/, data/ …), read-only;
                    the kernel runs here, so `./lib/index` and `data/…` resolve as in class. As root it is
                    root's and lib/course/exercises/hidden/ is unreadable until the student's cells are done.
    WORK/home/      the kernel's HOME and TMPDIR, the only folder it can write (owned by the kernel's account)
    WORK/spec/      the kernelspec: the course's own command behind scripts/jupyter/sandbox.py (account, limits)
    WORK/ctl/       this job, its result and the worker's log: root's, out of the kernel's reach
    WORK/conn/      mode 711: the kernel's connection file (its own, under a random name)
    WORK/results/   mode 711: the verdict file, named by a nonce, is the one thing the kernel may write there

Then: every code cell of the notebook runs in order (errors allowed: as a student would, top to bottom, within
the notebook's time limit); what it prints is ignored. Then, for each exercise of the chapter, the grader's
own cell runs lib/course/exercises/grading.ts's gradeExercise, which writes its verdict to the nonce's file;
the verdict counts only if that file names the nonce and the exercise. A kernel that dies, hangs or kills
this process costs this notebook only; every process it started is killed before this one exits (this
process is a child subreaper: orphans come back to it).
"""

import json
import os
import secrets
import shutil
import signal
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_notebooks as rn  # noqa: E402

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbclient.exceptions import CellTimeoutError, DeadKernelError  # noqa: E402

HIDDEN = os.path.join("lib", "course", "exercises", "hidden")


class TimedOut(Exception):
    pass


def become_subreaper():
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except Exception:
        pass


def descendants(root_pid):
    """Every living process below root_pid (from /proc)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    out, todo = [], [root_pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def kill_descendants(root_pid=None):
    """SIGKILL everything below us until nothing is left (a few rounds: a fork may race the first)."""
    root_pid = root_pid or os.getpid()
    for _ in range(20):
        pids = descendants(root_pid)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        for pid in pids:  # reap our own children
            try:
                os.waitpid(pid, os.WNOHANG)
            except OSError:
                pass
        time.sleep(0.05)


def chmod_tree(top, dir_mode, file_mode):
    for folder, dirs, files in os.walk(top):
        os.chmod(folder, dir_mode)
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                os.chmod(path, file_mode)


def prepare(job):
    """The folders above; returns (course, home, spec_dir, result_file)."""
    work, as_root, account = job["work"], os.getuid() == 0, job.get("account")
    course, home = os.path.join(work, "course"), os.path.join(work, "home")
    shutil.copytree(job["course"], course, symlinks=True)
    os.makedirs(os.path.join(home, "tmp"))
    chmod_tree(course, 0o555, 0o444)  # read-only: to the kernel's account (as root) or as far as a mode can say
    if as_root:
        os.chmod(os.path.join(course, HIDDEN), 0o700)  # root's, until the student's cells are done
        chmod_tree(home, 0o700, 0o600)
        for folder, _dirs, files in os.walk(home):
            os.chown(folder, account["uid"], account["gid"])
    results = os.path.join(work, "results")
    os.makedirs(results, mode=0o711)
    os.chmod(results, 0o711)
    nonce = secrets.token_hex(16)
    result_file = os.path.join(results, f"{nonce}.json")
    with open(result_file, "w"):
        pass
    os.chmod(result_file, 0o600)
    if as_root:
        os.chown(result_file, account["uid"], account["gid"])
    # the kernelspec: the course's command, behind the sandbox
    with open(os.path.join(course, "jupyter", "kernels", "tslab", "kernel.json"), encoding="utf-8") as f:
        spec = json.load(f)
    resource_dir = os.path.join(course, "jupyter", "kernels", "tslab")
    argv = [a.replace("{resource_dir}", resource_dir) for a in spec["argv"]]
    sandbox = [sys.executable, os.path.join(rn.ROOT, "scripts", "jupyter", "sandbox.py"), "--home", home]
    if as_root:
        sandbox += ["--uid", str(account["uid"]), "--gid", str(account["gid"])]
    if as_root and job.get("hide"):
        # the teacher's project and the submissions disappear for the kernel (a mount namespace of its own); the
        # packages it needs are bound onto WORK/node_modules first, and the copy's node_modules points there
        modules = os.path.join(work, "node_modules")  # so named: Node looks packages up in folders of that name
        os.makedirs(modules)
        link = os.path.join(course, "node_modules")
        real = os.path.realpath(link)
        os.chmod(course, 0o755)
        os.unlink(link)
        os.symlink(modules, link)
        os.chmod(course, 0o555)
        sandbox += ["--keep", f"{real}={modules}"]
        for path in job["hide"]:
            sandbox += ["--hide", path]
    limits = job.get("limits", {})
    for key in ("data", "nproc", "cpu"):
        if limits.get(key):
            sandbox += [f"--{key}", str(limits[key])]
    spec["argv"] = sandbox + ["--"] + argv
    spec_dir = os.path.join(work, "spec")
    os.makedirs(os.path.join(spec_dir, "kernels", "tslab-grade"))
    with open(os.path.join(spec_dir, "kernels", "tslab-grade", "kernel.json"), "w", encoding="utf-8") as f:
        json.dump(spec, f)
    return course, home, spec_dir, result_file, nonce


def kernel_env(home, job):
    env = {
        "PATH": os.pathsep.join([os.path.dirname(job["node"]), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": home, "TMPDIR": os.path.join(home, "tmp"), "LANG": os.environ.get("LANG", "C.UTF-8"),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    if job.get("account"):
        env["USER"] = env["LOGNAME"] = job["account"]["name"]
    return env


def grader_cell(exercise_id, result_file, nonce, seed):
    tag = f"grade_{nonce}"  # (tslab mangles names that start with two underscores)
    return nbformat.v4.new_code_cell(
        'import "./lib/course/exercises/hidden/index";\n'
        f'import {{ gradeExercise as {tag} }} from "./lib/course/exercises/grading";\n'
        f"{tag}({json.dumps(exercise_id)}, {json.dumps(result_file)}, {json.dumps(nonce)}, {seed});\n")


def read_verdict(result_file, nonce, exercise_id):
    try:
        with open(result_file, encoding="utf-8") as f:
            v = json.loads(f.read() or "null")
    except (OSError, ValueError):
        return None
    if not isinstance(v, dict) or v.get("nonce") != nonce or v.get("id") != exercise_id:
        return None
    if v.get("status") not in ("correct", "wrong", "unanswered", "error"):
        return None
    return v


def grade(job):
    """{exercise: {status, message}}, note."""
    exercises = job["exercises"]
    ids = [e["id"] for e in exercises]
    try:
        nb = nbformat.read(job["notebook"], as_version=4)
    except Exception as e:
        reason = f"unreadable notebook: {str(e).splitlines()[0] if str(e) else type(e).__name__}"
        return {i: {"status": "error", "message": reason} for i in ids}, reason
    course, home, spec_dir, result_file, nonce = prepare(job)
    os.environ["JUPYTER_PATH"] = spec_dir
    cells = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    for c in cells:
        c.outputs, c.execution_count = [], None
    run = nbformat.v4.new_notebook(cells=list(cells))
    replies = {}  # cell index -> execute_reply (tslab reports an error only there and on stderr)
    client = NotebookClient(run, kernel_name="tslab-grade", timeout=job["timeout"], startup_timeout=120,
                            allow_errors=True, shutdown_kernel="immediate", resources={"metadata": {"path": course}},
                            on_cell_executed=lambda cell, cell_index, execute_reply: replies.__setitem__(cell_index, execute_reply))
    results, note, pid = {}, "", None
    deadline = time.monotonic() + job["timeout"]
    try:
        client.km = client.create_kernel_manager()
        conn = os.path.join(job["work"], "conn")  # 711: the kernel reads its own file, and cannot list
        os.makedirs(conn, mode=0o711)
        os.chmod(conn, 0o711)
        client.km.connection_file = os.path.join(conn, f"kernel-{secrets.token_hex(8)}.json")
        if job.get("account"):  # the kernel reads its connection file as the student: hand it over each time it is written
            write = client.km.write_connection_file

            def write_for_kernel():
                write()
                os.chown(client.km.connection_file, job["account"]["uid"], job["account"]["gid"])
            client.km.write_connection_file = write_for_kernel
        client.start_new_kernel(cwd=course, env=kernel_env(home, job))
        pid = rn.kernel_pid(client)
        client.start_new_kernel_client()
        for n, cell in enumerate(cells, 1):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                note = f"timed out (the limit is {job['timeout']} s for the notebook's cells)"
                break
            client.timeout = max(1, int(remaining + 0.999))
            try:
                client.execute_cell(cell, n - 1, execution_count=n)
            except CellTimeoutError:
                note = f"timed out in code cell {n} (the limit is {job['timeout']} s for the notebook's cells)"
                interrupt(client)
                break
            if (any(o.get("output_type") == "error" for o in cell.outputs)
                    or (replies.get(n - 1) or {}).get("content", {}).get("status") == "error"):
                note = note or f"error in code cell {n}"
                time.sleep(0.4)  # tslab drops a request that arrives within 200 ms of an error
        if note.startswith("timed out"):
            raise TimedOut(note)  # a notebook that does not finish in time is `error`, every exercise of it
        if os.getuid() == 0:
            chmod_tree(os.path.join(course, HIDDEN), 0o555, 0o444)  # now the grader's cells may read the answers
        time.sleep(0.3)
        for exercise in exercises:
            i = exercise["id"]
            with open(result_file, "w"):
                pass
            cell = grader_cell(i, result_file, nonce, secrets.randbelow(2**31 - 1) + 1)
            client.timeout = job["exercise_timeout"]
            run.cells.append(cell)
            try:
                client.execute_cell(cell, len(run.cells) - 1, execution_count=len(run.cells))
            except CellTimeoutError:
                results[i] = {"status": "error", "message": f"its test did not finish within {job['exercise_timeout']} s"}
                interrupt(client)
                continue
            verdict = read_verdict(result_file, nonce, i)
            if (replies.get(len(run.cells) - 1) or {}).get("content", {}).get("status") == "error":
                time.sleep(0.4)
            if verdict is None:
                said = rn.cell_error_text(cell, None).strip().splitlines()
                results[i] = {"status": "error", "message": "the grader's cell gave no verdict" + (f": {said[-1][:300]}" if said else "")}
                time.sleep(0.4)
            else:
                results[i] = {"status": verdict["status"], "message": verdict.get("message", "")}
    except TimedOut:
        pass
    except DeadKernelError:
        note = f"the kernel died{' (' + note + ')' if note else ''}"
    except rn.Interrupted:
        raise
    except Exception as e:
        note = f"could not run: {str(e).splitlines()[0] if str(e) else type(e).__name__}"
    finally:
        rn.stop_kernel(client, pid)
        kill_descendants()
    for i in ids:
        if i not in results:
            results[i] = {"status": "error", "message": note or "not graded"}
    return results, note


def interrupt(client):
    try:
        client.km.interrupt_kernel()
        time.sleep(1)
    except Exception:
        pass


def main(job_file):
    become_subreaper()
    signal.signal(signal.SIGTERM, rn.on_signal)
    signal.signal(signal.SIGINT, rn.on_signal)
    with open(job_file, encoding="utf-8") as f:
        job = json.load(f)
    out = os.path.join(os.path.dirname(job_file), "result.json")
    try:
        results, note = grade(job)
    except rn.Interrupted:
        kill_descendants()
        return 1
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"results": results, "note": note}, f)
    os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
