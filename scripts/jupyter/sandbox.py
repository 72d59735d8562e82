"""Start a command with a student's rights and the class's limits: what `npm run grade` puts in front of each
notebook's kernel (scripts/jupyter/grade_worker.py writes it into the kernelspec it grades with).

    python3 sandbox.py [--uid UID --gid GID] --home DIR [--data BYTES] [--nproc N] [--cpu SECONDS]
                       [--keep SRC=DST]… [--hide DIR]… -- CMD ARG…

As root with --hide: in a mount namespace of its own, binds each --keep SRC onto the (empty) folder DST, then
covers each --hide DIR with an empty read-only tmpfs, so the kernel cannot read the teacher's project or the
other submissions, whatever their modes. Sets the limits (data segment: V8's heap and WebAssembly memory; processes; CPU time; no core files; files at
most 1 GiB), then, when run as root with --uid, drops every group and becomes UID:GID for good (a uid of 0
is refused), sets umask 077, HOME and TMPDIR to DIR, and executes CMD in place (same pid: the grader's
kill of the kernel reaches it).
"""

import os
import resource
import sys


import ctypes  # noqa: E402

MS_RDONLY, MS_BIND, MS_REC, MS_PRIVATE = 1, 4096, 16384, 1 << 18
CLONE_NEWNS = 0x00020000


def hide_paths(keep, hide):
    libc = ctypes.CDLL(None, use_errno=True)

    def check(rc, what):
        if rc != 0:
            sys.exit(f"sandbox.py: {what}: {os.strerror(ctypes.get_errno())}")
    check(libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")
    for src, dst in keep:
        check(libc.mount(src.encode(), dst.encode(), None, MS_BIND | MS_REC, None), f"bind {src} on {dst}")
    for path in hide:
        if os.path.isdir(path):
            check(libc.mount(b"tmpfs", path.encode(), b"tmpfs", MS_RDONLY, b"size=4k,mode=555"), f"hide {path}")


def main(argv):
    if "--" not in argv:
        sys.exit("sandbox.py: usage: sandbox.py [--uid UID --gid GID] --home DIR [--data BYTES] [--nproc N] [--cpu S] -- CMD…")
    split = argv.index("--")
    opts, cmd = argv[:split], argv[split + 1:]
    pairs = list(zip(opts[::2], opts[1::2]))
    values = dict(pairs)
    hide = [v for k, v in pairs if k == "--hide"]
    keep = [tuple(v.split("=", 1)) for k, v in pairs if k == "--keep"]
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
    if hide and os.getuid() == 0:
        hide_paths(keep, hide)
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
