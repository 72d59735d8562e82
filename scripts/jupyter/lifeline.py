"""The Python end of scripts/lib/lifeline.mjs: a child process dies with its parent, however the parent ends.

A parent that started us with spawnTied() holds the other end of a pipe on our file descriptor LIFELINE_FD:
when the parent ends (even by SIGKILL) the system closes it and we read end-of-file.

    hold(on_gone)                            in a script of ours (scripts/jupyter/run_notebooks.py)
    python3 lifeline.py -m MODULE ARGS...    runs a module (e.g. the Notebook server) with the lifeline held:
                                             when it closes, the process gets SIGTERM (a clean shutdown),
                                             then, if still running 15 s later, it exits.
"""

import os
import runpy
import signal
import sys
import threading
import time


def hold(on_gone):
    """Call on_gone() from a thread when the lifeline closes. No lifeline (run by hand): nothing happens."""
    try:
        fd, owner = (int(x) for x in os.environ.pop("LIFELINE_FD", "").split(":"))
    except ValueError:
        return False
    if owner != os.getppid():
        return False  # the variable came down from a grandparent: the descriptor is not ours
    try:
        os.set_inheritable(fd, False)  # our own children must not hold our parent's lifeline open
    except OSError:
        return False

    def watch():
        try:
            while os.read(fd, 1):
                pass
        except OSError:
            pass
        on_gone()

    threading.Thread(target=watch, name="lifeline", daemon=True).start()
    return True


def terminate_self():
    """SIGTERM to ourselves (the program's own clean-up runs), then a hard exit if that did not end it."""
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(15)
    os._exit(1)


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] != "-m":
        print("usage: python3 lifeline.py -m MODULE [ARGS...]", file=sys.stderr)
        sys.exit(2)
    module = sys.argv[2]
    hold(terminate_self)
    sys.argv = [module] + sys.argv[3:]
    sys.path.pop(0)  # not this folder: the module is found as `python -m` would find it
    runpy.run_module(module, run_name="__main__", alter_sys=True)
