// The hub: its configuration file, and starting, stopping and asking it who is running.
// Everything the hub keeps lives in STATE/hub (mode 700, root only).

import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { KERNEL_NAME } from "../setup.mjs";
import { serverIdleness } from "./culler.mjs";
import { ClassroomError } from "./system.mjs";

export const py = (value) => JSON.stringify(value); // strings, numbers and lists of them are valid Python literals

/** What every hub of ours sets (the class's and the image check's): its files in HUB, loopback only, the proxy it starts. */
export function hubBasics(proxyCommand) {
  return `c.JupyterHub.db_url = "sqlite:///" + os.path.join(HUB, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(HUB, "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = os.path.join(HUB, "jupyterhub.pid")
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True
c.ConfigurableHTTPProxy.command = [${py(proxyCommand)}]
c.ConfigurableHTTPProxy.should_start = True`;
}

/**
 * jupyterhub_config.py. PAM login for the roster only, no admin users; one local process per student,
 * running as the student (LocalProcessSpawner), in ~/mnist-course/notebooks with the course's tslab kernel as
 * the default; per-student limits applied as the process starts (before it drops root):
 *   - memory: a cgroup per student (all their processes together) where the kernel lets root make one,
 *     and RLIMIT_DATA per process always (a runaway allocation fails in that process alone);
 *   - processes: RLIMIT_NPROC per student (a fork bomb stops at the limit);
 *   - CPU: a cgroup per student with equal shares, so a student with an endless loop gets one share, not
 *     one core per kernel.
 */
/** How long a student's server waits for a new kernel's first answer (Jupyter's default is 60 s; see hubConfig). */
export const KERNEL_INFO_TIMEOUT_SECONDS = 300;

export function hubConfig({ state, students, proxyCommand, nodeBin, memLimitBytes, maxProcesses, threads, cullerCommand = null, activitySeconds = 300 }) {
  const hub = join(state, "hub");
  return `# Written by \`npm run classroom -- setup\`: edit the roster and run setup again rather than this file.
import os, pwd, resource
from jupyterhub.spawner import LocalProcessSpawner

c = get_config()  # noqa

STATE = ${py(state)}
HUB = ${py(hub)}
STUDENTS = ${py(students)}
MEM_LIMIT = ${memLimitBytes}
MAX_PROCESSES = ${maxProcesses}
CGROUP_ROOT = "/sys/fs/cgroup"
CGROUP_NAME = "mnist-classroom"


def _write(path, value):
    with open(path, "w") as f:
        f.write(str(value))


def student_cgroups(name):
    """Make (or reuse) the student's memory and cpu cgroups; return the cgroup.procs files to join.
    cgroup v2 (one hierarchy, as systemd mounts it) or v1 (a folder per controller); nothing where neither
    may be written: the per-process limits below still hold."""
    procs = []
    if os.path.exists(os.path.join(CGROUP_ROOT, "cgroup.controllers")):  # v2
        base = os.path.join(CGROUP_ROOT, CGROUP_NAME)
        try:
            os.makedirs(os.path.join(base, name), exist_ok=True)
            for parent in (CGROUP_ROOT, base):
                _write(os.path.join(parent, "cgroup.subtree_control"), "+memory +cpu")
            _write(os.path.join(base, "cpu.weight"), min(10000, 100 * max(1, len(STUDENTS))))
            _write(os.path.join(base, name, "memory.max"), MEM_LIMIT)
            procs.append(os.path.join(base, name, "cgroup.procs"))
        except OSError:
            pass
        return procs
    try:
        # The class as a whole weighs as much as one busy process per student against everything else
        # on the machine (a new cgroup would otherwise count as one process, however many students).
        os.makedirs(os.path.join(CGROUP_ROOT, "cpu", CGROUP_NAME), exist_ok=True)
        _write(os.path.join(CGROUP_ROOT, "cpu", CGROUP_NAME, "cpu.shares"), 1024 * max(1, len(STUDENTS)))
    except OSError:
        pass
    for controller, settings in (("memory", {"memory.limit_in_bytes": MEM_LIMIT}), ("cpu", {"cpu.shares": 1024})):
        path = os.path.join(CGROUP_ROOT, controller, CGROUP_NAME, name)
        try:
            os.makedirs(path, exist_ok=True)
            for key, value in settings.items():
                _write(os.path.join(path, key), value)
            procs.append(os.path.join(path, "cgroup.procs"))
        except OSError:
            pass
    return procs


class ClassroomSpawner(LocalProcessSpawner):
    def make_preexec_fn(self, name):
        drop_root = super().make_preexec_fn(name)
        procs = student_cgroups(name)

        def preexec():
            for file in procs:
                try:
                    with open(file, "w") as f:
                        f.write(str(os.getpid()))
                except OSError:
                    pass
            resource.setrlimit(resource.RLIMIT_DATA, (MEM_LIMIT, MEM_LIMIT))
            resource.setrlimit(resource.RLIMIT_NPROC, (MAX_PROCESSES, MAX_PROCESSES))
            drop_root()

        return preexec


def course_dir(spawner):
    return os.path.join(pwd.getpwnam(spawner.user.name).pw_dir, "mnist-course")


c.JupyterHub.spawner_class = ClassroomSpawner
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.open_sessions = False
c.Authenticator.allowed_users = set(STUDENTS)
c.Authenticator.admin_users = set()
c.JupyterHub.admin_access = False

${hubBasics(proxyCommand)}

# \`npm run classroom -- status\` reads who is running with this token (read-only scopes).
with open(os.path.join(HUB, "status-token")) as f:
    c.JupyterHub.services = [{"name": "classroom-status", "api_token": f.read().strip()}]
c.JupyterHub.load_roles = [
    {"name": "classroom-status", "scopes": ["list:users", "read:users", "read:servers"], "services": ["classroom-status"]}
]
${cullerCommand ? `# The idle culler (scripts/lib/classroom/culler.mjs): stops a server idle longer than settings.json's cullAfter.
c.JupyterHub.services.append({"name": "classroom-culler", "command": ${py(cullerCommand)}})
c.JupyterHub.load_roles.append(
    {"name": "classroom-culler", "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"], "services": ["classroom-culler"]}
)
` : ""}# How often the hub hears of activity (the proxy's traffic; each server's own report, below): a few times
# within the cull time, so that an active student is never taken for an idle one.
c.JupyterHub.last_activity_interval = ${activitySeconds}

c.Spawner.cmd = ["/usr/bin/jupyterhub-singleuser"]
c.Spawner.notebook_dir = "~/mnist-course/notebooks"
c.Spawner.default_url = "/tree"
c.Spawner.args = [
    ${py(`--MappingKernelManager.default_kernel_name=${KERNEL_NAME}`)},
    "--KernelSpecManager.ensure_native_kernel=False",
    "--NotebookApp.terminals_enabled=False",
    # How long a new kernel may take to answer its first kernel_info request before the server gives up on it
    # (Jupyter's default: 60 s, once before accepting the websocket and once after, then it aborts the websocket).
    # Eight students opening a chapter at once on this busy 2-core machine took 2-9 s (issue 32): 300 s keeps
    # a wide margin, and a kernel that dies while starting is noticed by the restarter, not by this timeout.
    ${py(`--MappingKernelManager.kernel_info_timeout=${KERNEL_INFO_TIMEOUT_SECONDS}`)},
    # The kernel's sockets on Unix sockets in the student's runtime folder, not on TCP ports: a port the server
    # picked and closed could be taken by another program before the kernel bound it ("Address already in use":
    # the kernel ran without that socket and the student's websocket closed; issue 32). tslab binds these
    # addresses through jupyter/kernels/tslab/kernel-sockets.cjs.
    "--KernelManager.transport=ipc",
]
# Per-student values: JupyterHub calls these with the spawner (plain strings would not be expanded).
c.Spawner.environment = {
    "JUPYTER_PATH": lambda spawner: os.path.join(course_dir(spawner), "jupyter"),
    # Jupyter's runtime files (connection files, the kernels' Unix sockets) in a short private folder: a Unix
    # socket's path must stay under 108 bytes, and ~/.local/share/jupyter/runtime/kernel-<id>-ipc-N is longer
    # for a long user name.
    "JUPYTER_RUNTIME_DIR": lambda spawner: os.path.join(pwd.getpwnam(spawner.user.name).pw_dir, ".jupyter-run"),
    "PATH": ${py(`${nodeBin}:/usr/local/bin:/usr/bin:/bin`)},
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    "MNIST_THREADS": ${py(String(threads))},
    "JUPYTERHUB_ACTIVITY_INTERVAL": ${py(String(activitySeconds))},
    # glibc keeps up to 8 malloc arenas per core, one per busy thread, each holding freed memory: two are
    # enough for a server of a few threads and save tens of MiB per student (bench/kernel-memory.ts)
    "MALLOC_ARENA_MAX": "2",
    # and a fixed threshold above which malloc maps memory and gives it back when freed: glibc otherwise raises
    # it to the largest block freed (the 5 MB plotting bundle passing through the server), and the server kept
    # ~27 MiB more after chapter 5 (Notebook server alone, one run each: 111 -> 84 MiB resident at the end)
    "MALLOC_MMAP_THRESHOLD_": "131072",
    # Python's own distutils (python3-distutils, which jupyter-core depends on), not setuptools' copy: the Notebook
    # server imports distutils.version, and setuptools' import hook then loads all of setuptools and pkg_resources
    # (100 modules; importing jupyterhub.singleuser: 91 -> 80 MiB resident, 70 -> 60 MiB anonymous)
    "SETUPTOOLS_USE_DISTUTILS": "stdlib",
}
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
`;
}

// ------------------------------------------------------------------ processes

export function pidAlive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // a zombie or a reused pid is not our hub
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/\) Z /.test(stat);
  } catch {
    return true;
  }
}

export function readPid(file) {
  try {
    return Number(readFileSync(file, "utf8").trim()) || null;
  } catch {
    return null;
  }
}

/** The running hub's pid, or null (a stale pid file whose number now belongs to another program is ignored). */
export function hubPid(state) {
  const pid = readPid(join(state, "hub", "jupyterhub.pid"));
  if (!pidAlive(pid)) return null;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("jupyterhub") ? pid : null;
  } catch {
    return null;
  }
}

function portIsFree(port, ip) {
  return new Promise((res) => {
    const s = createServer();
    s.once("error", () => res(false));
    s.listen(port, ip, () => s.close(() => res(true)));
  });
}

export async function freePort(ip = "127.0.0.1", avoid = []) {
  for (let tries = 0; tries < 50; tries++) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    if (!avoid.includes(port) && (await portIsFree(port, ip))) return port;
  }
  throw new ClassroomError(`no free port found on ${ip}`);
}

/** Start the hub in the background (its own session), wait until it answers, return { pid, url }. */
export async function startHub({ state, ip, port, nodeBin, timeoutSeconds = 90 }) {
  const hub = join(state, "hub");
  if (hubPid(state)) throw new ClassroomError(`a hub is already running (pid ${hubPid(state)}): \`npm run classroom -- stop\` first`);
  if (!(await portIsFree(port, ip))) throw new ClassroomError(`port ${port} on ${ip} is taken: choose another with --port`);
  const hubPort = await freePort("127.0.0.1", [port]);
  const apiPort = await freePort("127.0.0.1", [port, hubPort]);
  const logFile = join(hub, "jupyterhub.log");
  const out = openSync(logFile, "a");
  const child = spawn(
    "/usr/bin/jupyterhub",
    ["-f", join(hub, "jupyterhub_config.py"), `--JupyterHub.bind_url=http://${ip.includes(":") ? `[${ip}]` : ip}:${port}/`, `--JupyterHub.hub_port=${hubPort}`, `--ConfigurableHTTPProxy.api_url=http://127.0.0.1:${apiPort}`],
    { cwd: hub, detached: true, stdio: ["ignore", out, out], env: { PATH: `${nodeBin}:/usr/local/bin:/usr/bin:/bin`, LANG: "C.UTF-8", HOME: hub, PYDEVD_DISABLE_FILE_VALIDATION: "1" } },
  );
  closeSync(out);
  child.unref();
  const url = `http://${ip.includes(":") ? `[${ip}]` : ip}:${port}`;
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || (child.pid && !pidAlive(child.pid))) break;
    try {
      const res = await fetch(`${url}/hub/api`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return { pid: child.pid, url };
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  const tail = existsSync(logFile) ? readFileSync(logFile, "utf8").split("\n").slice(-25).join("\n") : "";
  await stopHub(state, []);
  throw new ClassroomError(`the hub did not answer at ${url} within ${timeoutSeconds} s. The end of ${logFile}:\n${tail}`);
}

async function waitGone(pid, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && pidAlive(pid)) await new Promise((r) => setTimeout(r, 200));
  return !pidAlive(pid);
}

/** Pids of every process run by one of `students` (by uid, from /proc). */
export function studentProcesses(uids) {
  const set = new Set(uids);
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (set.has(statSync(`/proc/${entry}`).uid)) pids.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return pids;
}

/**
 * Stop the hub (SIGTERM: it stops the students' servers and the proxy), then end whatever is left: the
 * proxy by its pid file, any process still run by a student. Returns what it did, for the message.
 */
export async function stopHub(state, uids) {
  const hub = join(state, "hub");
  const done = [];
  const pid = hubPid(state);
  if (pid) {
    process.kill(pid, "SIGTERM");
    if (!(await waitGone(pid, 30_000))) {
      process.kill(pid, "SIGKILL");
      await waitGone(pid, 5000);
    }
    done.push(`stopped the hub (pid ${pid})`);
  }
  const proxy = readPid(join(hub, "jupyterhub-proxy.pid"));
  if (pidAlive(proxy)) {
    const cmd = readFileSync(`/proc/${proxy}/cmdline`, "utf8");
    if (cmd.includes("configurable-http-proxy")) {
      process.kill(proxy, "SIGTERM");
      await waitGone(proxy, 5000);
      done.push(`stopped the proxy (pid ${proxy})`);
    }
  }
  rmSync(join(hub, "jupyterhub-proxy.pid"), { force: true });
  const left = studentProcesses(uids);
  if (left.length > 0) {
    for (const p of left) {
      try {
        process.kill(p, "SIGTERM");
      } catch {
        /* gone */
      }
    }
    await new Promise((r) => setTimeout(r, 1500));
    for (const p of studentProcesses(uids)) {
      try {
        process.kill(p, "SIGKILL");
      } catch {
        /* gone */
      }
    }
    done.push(`ended ${left.length} leftover student process(es)`);
  }
  for (const dir of ["/sys/fs/cgroup/memory/mnist-classroom", "/sys/fs/cgroup/cpu/mnist-classroom", "/sys/fs/cgroup/mnist-classroom"]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (statSync(join(dir, name)).isDirectory()) spawnSync("rmdir", [join(dir, name)]);
    }
    spawnSync("rmdir", [dir], { stdio: "ignore" }); // only when no other class still has a cgroup there
  }
  return done;
}

/**
 * The hub's view of its users: [{ name, server: "running" | "starting" | "stopped", lastActivity, idleMs }]
 * (idleMs: how long a running server has been idle as the culler sees it, else null).
 */
export async function hubUsers(url, token) {
  const res = await fetch(`${url}/hub/api/users`, { headers: { Authorization: `token ${token}` }, signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new ClassroomError(`GET ${url}/hub/api/users answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  const users = await res.json();
  const idle = new Map(serverIdleness(users, Date.now()).map((s) => [s.name, s]));
  return users.map((u) => {
    const s = u.servers?.[""];
    const server = s ? (s.ready ? "running" : s.pending ? `${s.pending}ing` : "starting") : u.pending ? `${u.pending}ing` : "stopped";
    return { name: u.name, server, lastActivity: idle.get(u.name)?.lastActivity ?? u.last_activity, idleMs: idle.get(u.name)?.idleMs ?? null };
  });
}

