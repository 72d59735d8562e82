"""Execute notebooks through the project's tslab kernel, cell by cell, one fresh kernel per notebook.

Called by scripts/commands/notebooks.ts (`npm run notebooks [-- --html] [files...]`), which reads the command line,
checks every output (lib/files.ts) and hands over a JSON spec {paths, clear, html, out, timeout}; it runs us under
the Python that has Jupyter with JUPYTER_PATH set to the project's kernelspec folder.

tslab is unusual, and this runner works around it:
  - a failing cell reaches the client only as a stderr stream plus an execute_reply with status "error"
    (no `error` output, no ename/evalue): errors are detected from the reply status, `error` outputs and
    stderr streams, and reported with the stderr text;
  - tslab drops requests that arrive within 200 ms of an error: after a cell tagged `raises-exception`
    (an error the lesson expects) the runner waits before the next cell;
  - tslab sends no execute_input, so the runner fills in execution counts itself.

A cell may write to stderr only if it is tagged `allow-stderr` (red text in a lesson looks like an error).
Kernels are always shut down: after success, failure, Ctrl-C, SIGTERM, or the end of the process that
started us (scripts/jupyter/lifeline.py).

Everything is checked before the first kernel starts: each argument is a readable notebook here, and the outputs
in notebooks.ts. A bad command line gets one line and exit code 2. Files are written atomically (temporary file, fsync, rename).
"""

import json
import os
import re
import signal
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lifeline  # noqa: E402


def _kernel_name():
    """The project's kernel: the one folder of jupyter/kernels/ holding a kernel.json (scripts/lib/setup.mjs names
    the same folder KERNEL_NAME), so that the name is written once, as the folder's name."""
    kernels = os.path.join(ROOT, "jupyter", "kernels")
    names = sorted(n for n in os.listdir(kernels) if os.path.isfile(os.path.join(kernels, n, "kernel.json")))
    if len(names) != 1:
        raise SystemExit(f"expected one kernelspec in {kernels}, found {names}")
    return names[0]


KERNEL_NAME = _kernel_name()
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# Stack frames inside Node and tslab itself say nothing about the cell: leave them out.
INTERNAL_FRAME = re.compile(r"^\s+at .*(\(node:|node_modules/tslab/|sigintHandlersWrap)")

# The kernelspec lives in the project: make sure Jupyter finds it first even when run by hand.
_jupyter_dir = os.path.join(ROOT, "jupyter")
if _jupyter_dir not in os.environ.get("JUPYTER_PATH", "").split(os.pathsep):
    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in [_jupyter_dir, os.environ.get("JUPYTER_PATH")] if p)
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbclient.exceptions import CellTimeoutError, DeadKernelError  # noqa: E402


class Interrupted(BaseException):
    """Ctrl-C or SIGTERM: stop, shut the kernel down, exit."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def on_signal(signum, _frame):
    # Ignore repeats so that the clean-up below cannot itself be interrupted.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Interrupted(signum)


class UsageError(Exception):
    """A bad command line: one line on stderr, exit code 2."""


class CellFailure(Exception):
    """A cell that failed: which one (index, execution count), its source, and what went wrong."""

    def __init__(self, index, count, cell, message):
        super().__init__(message)
        self.index = index
        self.count = count
        self.cell = cell
        self.message = message


def write_atomic(path, text):
    """Write text to path so that a reader sees the old file or the whole new one; keeps a link a link and the mode."""
    target = os.path.realpath(path)
    folder = os.path.dirname(target)
    os.makedirs(folder, exist_ok=True)
    mode = os.stat(target).st_mode & 0o7777 if os.path.isfile(target) else None
    tmp = os.path.join(folder, ".%s.tmp-%d-%s" % (os.path.basename(target), os.getpid(), os.urandom(4).hex()))
    try:
        with open(tmp, "x", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise OSError(e.errno, "%s: cannot write: %s" % (path, e.strerror)) from None
        raise


def write_notebook(nb, path):
    write_atomic(path, nbformat.writes(nb) + "\n")


def read_notebook(path):
    """The notebook at path, or a UsageError saying why it is not one."""
    if os.path.isdir(path):
        raise UsageError(f"{path}: is a folder; expected a notebook file (.ipynb)")
    if not os.path.isfile(path):
        raise UsageError(f"no such notebook: {path}")
    if not path.endswith(".ipynb"):
        raise UsageError(f"{path}: not a notebook (expected a .ipynb file)")
    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except Exception as e:
        first = (str(e).strip().split("\n") or [""])[0][:200]
        raise UsageError(f"{path}: not a readable notebook ({type(e).__name__}: {first})")
    return nb


def rel(path):
    path = os.path.abspath(path)
    return os.path.relpath(path, ROOT) if path.startswith(ROOT + os.sep) else path


def mathjax_url(html_dir):
    """A MathJax 2 that works offline: the npm package if present, else Debian's libjs-mathjax."""
    if os.environ.get("NB_MATHJAX_URL"):
        return os.environ["NB_MATHJAX_URL"]
    config = "?config=TeX-AMS_CHTML-full,Safe"
    npm = os.path.join(ROOT, "node_modules", "mathjax", "MathJax.js")
    if os.path.exists(npm):
        return os.path.relpath(npm, html_dir).replace(os.sep, "/") + config
    debian = "/usr/share/javascript/mathjax/MathJax.js"
    if os.path.exists(debian):
        return "file://" + debian + config
    print("warning: no local MathJax (Debian's libjs-mathjax or npm's mathjax@2): formulas in the HTML need the network",
          file=sys.stderr)
    return "https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.9/MathJax.js" + config


def cell_error_text(cell, reply):
    """The error a cell showed: stderr streams and `error` outputs, ANSI colours removed."""
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            parts.append(out.get("text", ""))
        elif out.get("output_type") == "error":
            parts.append("\n".join(out.get("traceback") or []) or f"{out.get('ename')}: {out.get('evalue')}")
    text = ANSI.sub("", "".join(p if p.endswith("\n") else p + "\n" for p in parts))
    text = "\n".join(line for line in text.split("\n") if not INTERNAL_FRAME.search(line)).rstrip()
    if not text and reply is not None:
        content = reply.get("content", {})
        text = "\n".join(content.get("traceback") or []) or " ".join(
            str(x) for x in (content.get("ename"), content.get("evalue")) if x)
    return text or "(the kernel reported an error without a message)"


def kernel_pid(client):
    km = getattr(client, "km", None)
    proc = getattr(getattr(km, "provisioner", None), "process", None) or getattr(km, "kernel", None)
    return getattr(proc, "pid", None)


def stop_kernel(client, pid):
    pid = pid or kernel_pid(client)
    try:
        if getattr(client, "km", None) is not None:
            client._cleanup_kernel()
    except Exception as e:  # still make sure the process is gone
        print(f"warning: kernel shutdown: {e}", file=sys.stderr)
    if pid:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.kill(pid, 0)
            except OSError:
                return
            try:
                os.killpg(pid, sig)  # the kernel is started in its own session
            except OSError:
                try:
                    os.kill(pid, sig)
                except OSError:
                    return
            time.sleep(0.2)


# The line lib/course/exercise.ts's check() prints: "<name>: Correct!", "<name>: Not quite: …" or "<name>: Not answered yet — …"
EXERCISE_VERDICT = re.compile(r"^.*: (Correct!|Not quite: .*|Not answered yet — .*)$")


def exercise_verdicts(cell):
    """The verdict lines check() printed in a cell's standard output."""
    text = "".join(o.get("text", "") for o in cell.outputs
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")
    return [line for line in text.splitlines() if EXERCISE_VERDICT.match(line)]


def run_notebook(path, out_dir, html, timeout):
    nb = read_notebook(path)
    # a solutions notebook fills in every exercise's answer: each check it runs must say Correct!
    solutions = os.path.basename(os.path.dirname(os.path.abspath(path))) == "solutions"
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    spec = nb.metadata.get("kernelspec", {}).get("name")
    if spec and spec != KERNEL_NAME:
        print(f"warning: {rel(path)} asks for kernel '{spec}'; running it with '{KERNEL_NAME}'", file=sys.stderr)

    replies = {}
    client = NotebookClient(
        nb,
        kernel_name=KERNEL_NAME,
        timeout=timeout,
        startup_timeout=120,
        allow_errors=True,
        shutdown_kernel="immediate",
        resources={"metadata": {"path": ROOT}},
        on_cell_executed=lambda cell, cell_index, execute_reply: replies.__setitem__(cell_index, execute_reply),
    )
    failure = None
    pid = None
    start = time.monotonic()
    try:
        client.km = client.create_kernel_manager()
        client.start_new_kernel(cwd=ROOT)
        pid = kernel_pid(client)
        resource_dir = getattr(client.km.kernel_spec, "resource_dir", "")
        if not os.path.abspath(resource_dir).startswith(_jupyter_dir + os.sep):
            print(f"warning: kernel '{KERNEL_NAME}' came from {resource_dir}, not from {rel(_jupyter_dir)}",
                  file=sys.stderr)
        client.start_new_kernel_client()
        count = 0
        correct = 0
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            count += 1
            tags = cell.metadata.get("tags", [])
            began = time.monotonic()
            try:
                client.execute_cell(cell, index, execution_count=count)
            except CellTimeoutError:
                raise CellFailure(index, count, cell, f"timed out after {timeout} s (NB_TIMEOUT sets the limit)")
            except DeadKernelError:
                raise CellFailure(index, count, cell, "the kernel died (out of memory? an infinite recursion?)")
            took = time.monotonic() - began
            if took > 10:
                print(f"    cell {index + 1} (In [{count}]) took {took:.1f} s", flush=True)
            reply = replies.get(index)
            status = (reply or {}).get("content", {}).get("status", "missing")
            failed = status == "error" or any(o.get("output_type") == "error" for o in cell.outputs)
            stderr = any(o.get("output_type") == "stream" and o.get("name") == "stderr" for o in cell.outputs)
            if "raises-exception" in tags:
                if not failed:
                    raise CellFailure(index, count, cell, "the cell is tagged raises-exception but ran without an error")
                time.sleep(0.4)  # tslab drops requests arriving within 200 ms of an error
                continue
            if failed:
                raise CellFailure(index, count, cell, cell_error_text(cell, reply))
            if status != "ok":
                raise CellFailure(index, count, cell, f"the kernel answered '{status}' (expected 'ok')")
            if stderr and "allow-stderr" not in tags:
                raise CellFailure(index, count, cell, cell_error_text(cell, reply) +
                                  "\n(the cell wrote to stderr; tag it allow-stderr if that is intended)")
            if solutions:
                verdicts = exercise_verdicts(cell)
                wrong = [line for line in verdicts if not line.endswith("Correct!")]
                if wrong:
                    raise CellFailure(index, count, cell, "a solution did not pass its exercise check:\n  " +
                                      "\n  ".join(wrong))
                correct += len(verdicts)
        if solutions and correct == 0:
            raise CellFailure(len(nb.cells) - 1, count, nb.cells[-1],
                              "a solutions notebook must run at least one exercise check, and none printed Correct!")
    except CellFailure as e:
        failure = e
    finally:
        stop_kernel(client, pid)
    seconds = time.monotonic() - start

    os.makedirs(out_dir, exist_ok=True)
    name = os.path.splitext(os.path.basename(path))[0]
    out_nb = os.path.join(out_dir, "notebooks", name + ".ipynb")
    os.makedirs(os.path.dirname(out_nb), exist_ok=True)
    write_notebook(nb, out_nb)
    out_html = None
    if html:
        from nbconvert import HTMLExporter

        html_dir = os.path.join(out_dir, "html")
        os.makedirs(html_dir, exist_ok=True)
        exporter = HTMLExporter()
        exporter.mathjax_url = mathjax_url(html_dir)
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": name}})
        body = accessible_page(body)
        out_html = os.path.join(html_dir, name + ".html")
        write_atomic(out_html, body)
    return failure, seconds, out_nb, out_html


# Colours of nbconvert's page that are too faint to read (WCAG 2.1 AA asks 4.5:1): prompts, comments, operators.
READABLE_COLOURS = """<style>
:root, body, .jp-Notebook {
  --jp-cell-inprompt-font-color: #595959; --jp-cell-outprompt-font-color: #595959; --jp-cell-prompt-not-active-opacity: 1;
  --jp-mirror-editor-comment-color: #3b7171; --jp-mirror-editor-operator-color: #8a2be2; --jp-mirror-editor-meta-color: #8a2be2;
  --jp-mirror-editor-number-color: #006b00; --jp-mirror-editor-quote-color: #006b00; --jp-mirror-editor-tag-color: #0f5f00;
  --jp-mirror-editor-atom-color: #3b3bd1; --jp-mirror-editor-bracket-color: #6b6b50; --jp-mirror-editor-error-color: #c00;
}
</style>
"""


def accessible_page(html):
    """nbconvert's page, made readable by everyone: its language, its content in a <main> landmark, no empty
    table header (a Markdown table's blank corner), readable colours."""
    html = re.sub(r"<html(?![^>]*\blang=)", '<html lang="en"', html, count=1)
    html = re.sub(r"(<body[^>]*>)", r"\1\n<main>", html, count=1)
    html = html.replace("</body>", "</main>\n</body>", 1) if "<main>" in html else html
    html = html.replace("<th></th>", "<td></td>")
    return html.replace("</head>", READABLE_COLOURS + "</head>", 1)


def report_failure(path, failure, total_cells):
    source = failure.cell.source.rstrip("\n").split("\n")
    width = len(str(len(source)))
    print(f"\n✗ {rel(path)}: cell {failure.index + 1} of {total_cells} (In [{failure.count}]) failed", file=sys.stderr)
    print("  source:", file=sys.stderr)
    for i, line in enumerate(source, 1):
        print(f"  {str(i).rjust(width)} | {line}", file=sys.stderr)
    print("  error:", file=sys.stderr)
    for line in failure.message.split("\n"):
        print(f"    {line}", file=sys.stderr)
    print("", file=sys.stderr)


def clear(paths):
    """Remove outputs, execution counts and timing metadata in place (for committing)."""
    for path in paths:
        nb = read_notebook(path)
        before = nbformat.writes(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
            cell.metadata.pop("execution", None)
        if nbformat.writes(nb) != before:
            write_notebook(nb, path)
            print(f"cleared {rel(path)}")
    return 0


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    paths, html = spec["paths"], spec["html"]
    for path in paths:
        read_notebook(path)  # each one a notebook, before any work
    if not paths:
        print("no notebooks to run", file=sys.stderr)
        return 0
    if spec["clear"]:
        return clear(paths)
    out_dir, timeout = spec["out"], spec["timeout"]

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    lifeline.hold(lambda: os.kill(os.getpid(), signal.SIGTERM))  # the process that started us is gone
    failed = []
    total = 0.0
    try:
        for path in paths:
            print(f"▶ {rel(path)}", flush=True)
            failure, seconds, out_nb, out_html = run_notebook(path, out_dir, html, timeout)
            total += seconds
            outputs = rel(out_nb) + (f", {rel(out_html)}" if out_html else "")
            if failure:
                failed.append(path)
                report_failure(path, failure, len(nbformat.read(out_nb, as_version=4).cells))
                print(f"✗ {rel(path)}  {seconds:.1f} s  (partial copy: {outputs})", flush=True)
            else:
                print(f"✓ {rel(path)}  {seconds:.1f} s  → {outputs}", flush=True)
    except Interrupted as e:
        name = "Ctrl-C" if e.signum == signal.SIGINT else "SIGTERM"
        print(f"\ninterrupted ({name}): kernel shut down", file=sys.stderr)
        return 128 + e.signum
    if len(paths) > 1:
        print(f"{len(paths) - len(failed)} of {len(paths)} notebooks passed in {total:.1f} s", flush=True)
    if failed:
        print("failed: " + ", ".join(rel(p) for p in failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except UsageError as e:
        print(f"notebooks: {e}", file=sys.stderr)
        sys.exit(2)
    except OSError as e:
        print(f"notebooks: {e.strerror or e}" if e.filename is None else f"notebooks: {e.filename}: {e.strerror}", file=sys.stderr)
        sys.exit(1)
