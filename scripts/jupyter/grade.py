"""Grade students' notebooks: each one alone, in a fresh kernel, with a time limit; one status per exercise
(correct, wrong, unanswered or error), decided by the grader's own tests, never by what a notebook printed.

Called by scripts/commands/grade.ts (`npm run grade -- …`), which reads the command line, finds the notebooks,
checks the outputs (--csv, --html) before any grading and writes them atomically; this script only grades:

    python3 grade.py SPEC.json      SPEC: {"jobs": [[student or null, label, path], …], "classMode": bool,
                                           "timeout": seconds, "rows": where to write [[student, label, {exercise: status}], …],
                                           "html": where to write the class report's page, or null}

Which exercises a notebook has: those registered in lib/course/exercises/ for its chapter (the NN of
NN-….ipynb). Each notebook is graded by scripts/jupyter/grade_worker.py in a process of its own, against a read-only
copy of the course in a folder of its own: its cells run top to bottom (errors allowed), then the grader's
own cell for each exercise reads what the cells bound to the exercise's answer name and tests it with the
teacher's hidden tests (lib/course/exercises/hidden/), the library off limits where the exercise says so.
A notebook whose kernel dies, hangs or kills its grader gets `error` rows with the reason; no process it
started outlives its grading; the next notebook starts afresh.

Who runs the notebooks: as root, each notebook runs as its student's account (DIR/<student>/ named after an
account of the group mnist-students, made by `npm run classroom -- setup`), otherwise as the no-login account
mnist-grader (created on first use), with the class's memory, process and CPU limits. As an ordinary user,
the notebooks run with that user's rights, which the grader says before it starts.
"""

import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_notebooks as rn  # noqa: E402  (sets JUPYTER_PATH to the project's kernelspec)

import grade_worker  # noqa: E402
import grade_report  # noqa: E402

STATUSES = ("correct", "wrong", "unanswered", "error")
CHAPTER = re.compile(r"^(\d+)-")
GRADER_ACCOUNT = "mnist-grader"
STUDENT_GROUP = "mnist-students"  # scripts/lib/classroom/system.mjs
# What a submission's copy of the course holds (scripts/lib/classroom/course.mjs's COURSE_ENTRIES, without the notebooks).
COURSE_ENTRIES = ("package.json", "tsconfig.json", "lib", "web", "jupyter", "data", "results", "build/widgets.js")
SKIP = {"node_modules", ".ipynb_checkpoints", "build", ".cache"}


def watch_parent():
    """If whoever started us dies (npm killed, terminal closed, even SIGKILL), stop as on SIGTERM."""
    rn.lifeline.hold(lambda: os.kill(os.getpid(), rn.signal.SIGTERM))


def registered_exercises():
    """{"5": [{"id": "5.1", "answer": "updatesPerEpoch"}, …]} from lib/course/exercises (through tsx)."""
    tsx = os.path.join(rn.ROOT, "node_modules", ".bin", "tsx")
    out = subprocess.run([tsx, os.path.join(rn.ROOT, "scripts", "generate", "list-exercises.ts")], cwd=rn.ROOT,
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError("could not list the exercises (scripts/generate/list-exercises.ts): " + out.stderr.strip().split("\n")[-1])
    return json.loads(out.stdout)


def chapter_exercises(label, registry):
    m = CHAPTER.match(os.path.basename(label))
    return registry.get(str(int(m.group(1))), []) if m else []


# ------------------------------------------------------------------ who runs the notebooks

def student_account(name):
    """The student's own account when `name` is one made by classroom setup (group mnist-students), else None."""
    try:
        import grp
        entry = pwd.getpwnam(name)
        members = grp.getgrnam(STUDENT_GROUP)
    except (KeyError, ImportError):
        return None
    if entry.pw_uid == 0 or (entry.pw_gid != members.gr_gid and name not in members.gr_mem):
        return None
    return {"name": name, "uid": entry.pw_uid, "gid": entry.pw_gid}


def grader_account():
    """The dedicated no-login account (created on first use)."""
    try:
        entry = pwd.getpwnam(GRADER_ACCOUNT)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", "--comment", "mnist-from-scratch grading", GRADER_ACCOUNT],
                       check=True, capture_output=True)
        entry = pwd.getpwnam(GRADER_ACCOUNT)
    return {"name": GRADER_ACCOUNT, "uid": entry.pw_uid, "gid": entry.pw_gid}


def class_limits():
    """The class's kernel limits (classroom settings when a class is set up here), else 3 GiB and 512 processes."""
    data = 3 * 2**30
    try:
        with open("/srv/mnist-classroom/hub/settings.json", encoding="utf-8") as f:
            mem = str(json.load(f).get("memLimit", "3G")).strip().upper().rstrip("IB")
        units = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
        data = int(float(mem[:-1]) * units[mem[-1]]) if mem[-1:] in units else int(mem)
    except (OSError, ValueError, KeyError, IndexError):
        pass
    return {"data": data, "nproc": 512}


def readable_by_others(path):
    """True when any account can reach and read `path` (every folder above it o+x, itself o+r)."""
    p = os.path.realpath(path)
    if not os.path.exists(p) or not os.stat(p).st_mode & 0o004:
        return False
    while p != os.path.dirname(p):
        p = os.path.dirname(p)
        if not os.stat(p).st_mode & 0o001:
            return False
    return True


# ------------------------------------------------------------------ the grading area

def copy_course(dest):
    """A snapshot of the teacher's course for the submissions to be graded against (node_modules linked)."""
    os.makedirs(dest)
    for entry in COURSE_ENTRIES:
        src = os.path.join(rn.ROOT, entry)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(dest, entry), ignore=lambda _d, names: [n for n in names if n in SKIP])
        elif os.path.isfile(src):
            os.makedirs(os.path.dirname(os.path.join(dest, entry)), exist_ok=True)
            shutil.copy2(src, os.path.join(dest, entry))
    os.symlink(os.path.realpath(os.path.join(rn.ROOT, "node_modules")), os.path.join(dest, "node_modules"))


def remove_tree(path):
    for folder, dirs, files in os.walk(path):
        try:
            os.chmod(folder, 0o700)
        except OSError:
            pass
    shutil.rmtree(path, ignore_errors=True)


def run_worker(area, k, job, hard_limit):
    """Grades one submission in its own process; ({exercise: {status, message}}, note)."""
    work = os.path.join(area, str(k))
    os.makedirs(os.path.join(work, "ctl"))
    os.chmod(work, 0o711)
    os.chmod(os.path.join(work, "ctl"), 0o700)
    job = dict(job, work=work)
    job_file = os.path.join(work, "ctl", "job.json")
    with open(job_file, "w", encoding="utf-8") as f:
        json.dump(job, f)
    log_path = os.path.join(work, "ctl", "worker.log")
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, os.path.join(rn.ROOT, "scripts", "jupyter", "grade_worker.py"), job_file],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                                env=dict(os.environ, JUPYTER_PATH=""))
    note = ""
    try:
        proc.wait(timeout=hard_limit)
    except subprocess.TimeoutExpired:
        note = f"the grading of this notebook did not end within {hard_limit} s"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        grade_worker.kill_descendants()  # orphans of the kernel came back to us (we are a subreaper)
    try:
        with open(os.path.join(work, "ctl", "result.json"), encoding="utf-8") as f:
            out = json.load(f)
        results, note = out["results"], out.get("note", "") or note
    except (OSError, ValueError, KeyError):
        if not note:
            code = proc.returncode
            why = f"killed by signal {-code}" if code is not None and code < 0 else f"exit {code}"
            note = f"the grading process ended without a result ({why}: did the notebook kill it?)"
        results = {e["id"]: {"status": "error", "message": note} for e in job["exercises"]}
    if os.environ.get("GRADE_KEEP"):
        print(f"  (kept {work})", file=sys.stderr)
    else:
        remove_tree(work)
    return results, note


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
    jobs, class_mode, timeout = [tuple(j) for j in spec["jobs"]], spec["classMode"], spec["timeout"]
    paths = [p for _s, _l, p in jobs]
    class_root = os.path.dirname(os.path.dirname(os.path.realpath(paths[0]))) if class_mode and paths else None
    if not os.path.isdir(os.path.join(rn.ROOT, "lib", "course", "exercises", "hidden")):
        print("grade: this copy of the course has no hidden tests (lib/course/exercises/hidden/): it is a student edition; "
              "grade from the teacher's copy", file=sys.stderr)
        return 1
    try:
        registry = registered_exercises()
    except Exception as e:
        print(f"grade: {e}", file=sys.stderr)
        return 1

    as_root = os.getuid() == 0
    hide = []
    if as_root:
        # the kernels should not see the teacher's project (hidden tests, solutions) nor the submissions
        if subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0:
            hide = sorted({os.path.realpath(rn.ROOT)} | {os.path.dirname(os.path.realpath(p)) for _s, _l, p in jobs}
                          | ({class_root} if class_root else set()))
        else:
            print("grade: warning: cannot make a mount namespace here (unshare -m): the notebooks can read whatever "
                  "every account can", file=sys.stderr)
        try:
            dedicated = grader_account()
        except (subprocess.CalledProcessError, OSError) as e:
            print(f"grade: could not create the grading account {GRADER_ACCOUNT} (useradd): {e}", file=sys.stderr)
            return 1
        exposed = [] if hide else [p for p in (os.path.join("lib", "course", "exercises", "hidden"), os.path.join("notebooks", "solutions"))
                   if readable_by_others(os.path.join(rn.ROOT, p))]
        if exposed:
            print(f"grade: warning: {', '.join(exposed)} in {rn.ROOT} can be read by every account, the students' too: "
                  f"chmod o-rx {rn.ROOT} (the graded notebooks get their own copy)", file=sys.stderr)
    else:
        user = pwd.getpwuid(os.getuid()).pw_name
        print(f"grade: running as {user}, not root: the notebooks run with your rights (they can read and change what "
              f"{user} can). Run as root to grade each notebook as its student's account or as {GRADER_ACCOUNT}.",
              file=sys.stderr, flush=True)

    rn.signal.signal(rn.signal.SIGINT, rn.on_signal)
    rn.signal.signal(rn.signal.SIGTERM, rn.on_signal)
    watch_parent()
    grade_worker.become_subreaper()
    exercise_timeout = int(os.environ.get("GRADE_EXERCISE_TIMEOUT", "120"))
    limits = class_limits()
    area = tempfile.mkdtemp(prefix="mnist-grade-")
    os.chmod(area, 0o711)  # the kernels reach their own folders inside, and cannot list the others
    hide = [h for h in hide if h != "/" and not area.startswith(h.rstrip("/") + "/")]  # never the grading area itself
    rows = []
    try:
        course = os.path.join(area, "course")
        copy_course(course)
        node = shutil.which("node") or "/usr/bin/node"
        for k, (student, label, path) in enumerate(jobs):
            who = f"{student}/{label}" if student else label
            exercises = chapter_exercises(label, registry)
            account = None
            if as_root:
                account = (student_account(student) if student else None) or dedicated
            print(f"▶ {who}" + (f"  (as {account['name']})" if account else ""), file=sys.stderr, flush=True)
            began = time.monotonic()
            chapter = CHAPTER.match(os.path.basename(label))
            if not exercises and chapter and str(int(chapter.group(1))) not in registry:
                print("  no exercises in this chapter: not run", file=sys.stderr)
                continue
            if not exercises:
                result, note = {}, "no exercises: the name does not start with the number of a chapter that has some"
            else:
                job = {"notebook": os.path.abspath(path), "exercises": exercises, "timeout": timeout, "hide": hide,
                       "exercise_timeout": exercise_timeout, "course": course, "node": node, "account": account,
                       "limits": dict(limits, cpu=timeout + exercise_timeout * len(exercises) + 60)}
                result, note = run_worker(area, k, job, timeout + exercise_timeout * len(exercises) + 180)
            statuses = {i: r["status"] for i, r in result.items()}
            rows.append({"student": student, "notebook": label, "status": statuses, "detail": result, "note": note})
            print(f"  {time.monotonic() - began:.1f} s: " + (", ".join(f"{i} {st}" for i, st in statuses.items()) or "no exercises")
                  + (f"  ({note})" if note else ""), file=sys.stderr, flush=True)
    except rn.Interrupted as e:
        print("\ninterrupted: kernels shut down; nothing written", file=sys.stderr)
        grade_worker.kill_descendants()
        remove_tree(area)
        return 128 + e.signum
    finally:
        grade_worker.kill_descendants()
    if not os.environ.get("GRADE_KEEP"):
        remove_tree(area)

    with open(spec["rows"], "w", encoding="utf-8") as f:  # grade.ts writes the table from these
        # every submission gets rows: one without exercises gets one, "(notebook)" with status error
        json.dump([[r["student"], r["notebook"], r["status"] or {"(notebook)": "error"}] for r in rows], f)
    if spec.get("html"):  # grade.ts moves it into place
        with open(spec["html"], "w", encoding="utf-8") as f:
            f.write(grade_report.html_report(rows, class_mode, [e["id"] for ch in sorted(registry, key=int) for e in registry[ch]]))
    print("\n" + summary_table([(r["student"], r["notebook"], r["status"], r["note"]) for r in rows], class_mode), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
