"""Start a command with a student's rights and the class's limits: what `npm run grade` puts in front of each
notebook's kernel (scripts/grade_worker.py writes it into the kernelspec it grades with).

    python3 sandbox.py [--uid UID --gid GID] --home DIR [--data BYTES] [--nproc N] [--cpu SECONDS] -- CMD ARG…

Sets the limits (data segment: V8's heap and WebAssembly memory; processes; CPU time; no core files; files at
most 1 GiB), then, when run as root with --uid, drops every group and becomes UID:GID for good (a uid of 0
is refused), sets umask 077, HOME and TMPDIR to DIR, and executes CMD in place (same pid: the grader's
kill of the kernel reaches it).
"""

import os
import resource
import sys


def main(argv):
    if "--" not in argv:
        sys.exit("sandbox.py: usage: sandbox.py [--uid UID --gid GID] --home DIR [--data BYTES] [--nproc N] [--cpu S] -- CMD…")
    split = argv.index("--")
    opts, cmd = argv[:split], argv[split + 1:]
    values = dict(zip(opts[::2], opts[1::2]))
    home = values["--home"]
    limits = [(resource.RLIMIT_CORE, 0), (resource.RLIMIT_FSIZE, 1 << 30)]
    if "--data" in values:
        limits.append((resource.RLIMIT_DATA, int(values["--data"])))
    if "--nproc" in values:
        limits.append((resource.RLIMIT_NPROC, int(values["--nproc"])))
    if "--cpu" in values:
        limits.append((resource.RLIMIT_CPU, int(values["--cpu"])))
    for which, value in limits:
        resource.setrlimit(which, (value, value))
    if "--uid" in values:
        uid, gid = int(values["--uid"]), int(values["--gid"])
        if uid == 0 or gid == 0:
            sys.exit("sandbox.py: refusing to run student code as root")
        if os.getuid() == 0:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
        if os.getuid() != uid:
            sys.exit(f"sandbox.py: could not become uid {uid}")
    os.umask(0o077)
    os.environ["HOME"] = home
    os.environ["TMPDIR"] = os.path.join(home, "tmp")
    os.makedirs(os.environ["TMPDIR"], exist_ok=True)
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
