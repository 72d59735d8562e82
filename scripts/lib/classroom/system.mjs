// What `classroom setup` does to the machine, as root: Debian packages, the proxy, the shared read-only
// packages, Unix accounts. Every command is spelled out so that the Dockerfile can repeat the same steps.

import { spawnSync } from "node:child_process";
import { accessSync, chmodSync, constants, copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { copyRelease } from "./course.mjs";
import { ensureWidgetBundle } from "../widget-bundle.mjs";

export const STUDENT_GROUP = "mnist-students";
export const PROXY_VERSION = "4.6.3"; // configurable-http-proxy from npm: Debian's fails under NodeSource Node 20
export const APT_PACKAGES = ["jupyterhub", "jupyter-notebook", "python3-notebook"];

export class ClassroomError extends Error {}

export function log(message) {
  process.stderr.write(`classroom: ${message}\n`);
}

/** Run a command; throw a ClassroomError naming it when it fails. */
export function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", ...options });
  if (r.error) throw new ClassroomError(`${cmd} ${args.join(" ")}: ${r.error.message}`);
  if (r.status !== 0 && !options.allowFail) {
    throw new ClassroomError(`${cmd} ${args.join(" ")} failed (exit ${r.status}): ${(r.stderr || r.stdout || "").trim().slice(0, 600)}`);
  }
  return r;
}

export function requireRoot(what) {
  if (process.getuid?.() !== 0) throw new ClassroomError(`${what} must run as root (it manages Unix accounts and the hub); try sudo`);
  if (process.platform !== "linux") throw new ClassroomError(`${what} needs Linux (Debian or Ubuntu)`);
}

// ------------------------------------------------------------------ packages

export function hubInstalled() {
  return existsSync("/usr/bin/jupyterhub") && existsSync("/usr/bin/jupyterhub-singleuser");
}

/** JupyterHub 3 and the classic Notebook from apt; `apt-get update` first. Waits for another apt to finish. */
export function ensureHubPackages() {
  if (hubInstalled()) return;
  if (!existsSync("/usr/bin/apt-get")) throw new ClassroomError("JupyterHub is missing and this is not Debian/Ubuntu (no apt-get): install jupyterhub and jupyter-notebook");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const apt = ["-o", "DPkg::Lock::Timeout=300", "-q"];
  log("apt-get update");
  run("apt-get", [...apt, "update"], { env, stdio: ["ignore", "ignore", "inherit"] });
  log(`apt-get install ${APT_PACKAGES.join(" ")}`);
  run("apt-get", [...apt, "install", "-y", "--no-install-recommends", ...APT_PACKAGES], { env, stdio: ["ignore", "ignore", "inherit"] });
  // Debian's package enables a system-wide hub on port 8000 (all interfaces) where systemd runs: not ours.
  if (existsSync("/run/systemd/system")) run("systemctl", ["disable", "--now", "jupyterhub"], { allowFail: true });
  if (!hubInstalled()) throw new ClassroomError("apt-get install jupyterhub finished but /usr/bin/jupyterhub is missing");
}

/** configurable-http-proxy from npm, pinned, into DIR/node_modules. Returns the path of its command. */
export function ensureProxy(dir) {
  const bin = join(dir, "node_modules", ".bin", "configurable-http-proxy");
  const pkg = join(dir, "node_modules", "configurable-http-proxy", "package.json");
  if (existsSync(pkg) && JSON.parse(readFileSync(pkg, "utf8")).version === PROXY_VERSION) return bin;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  log(`npm install configurable-http-proxy@${PROXY_VERSION}`);
  run("npm", ["install", "--prefix", dir, `configurable-http-proxy@${PROXY_VERSION}`, "--no-audit", "--no-fund", "--omit=dev", "--save-exact"], { stdio: ["ignore", "ignore", "inherit"] });
  if (!existsSync(bin)) throw new ClassroomError(`npm installed configurable-http-proxy but ${bin} is missing`);
  return bin;
}

// ------------------------------------------------------------------ shared, read-only parts

/** True when every folder above `file` can be entered by any user and the file itself read (o+x / o+r). */
export function worldReachable(file) {
  let p = realpathSync(file);
  if ((statSync(p).mode & 0o005) === 0) return false;
  while (p !== dirname(p)) {
    p = dirname(p);
    if ((statSync(p).mode & 0o001) === 0) return false;
  }
  return true;
}

/**
 * SHARED/node_modules: a root-owned, read-only copy of the project's packages (copied again only when
 * package-lock.json changed); SHARED/course: the release students copy from; SHARED/bin: node and the
 * installer the students' side runs.
 */
export function prepareShared(root, shared) {
  mkdirSync(shared, { recursive: true });
  chmodSync(shared, 0o755);
  if (!worldReachable(shared)) throw new ClassroomError(`students cannot reach ${shared}: every folder above it needs o+x (choose --state elsewhere, e.g. /srv/mnist-classroom)`);
  const lock = readFileSync(join(root, "package-lock.json"), "utf8");
  const marker = join(shared, "node_modules.lock");
  if (!existsSync(marker) || readFileSync(marker, "utf8") !== lock) {
    log("copying node_modules to the shared read-only folder");
    rmSync(join(shared, "node_modules"), { recursive: true, force: true });
    mkdirSync(join(shared, "node_modules"));
    run("cp", ["-a", `${realpathSync(join(root, "node_modules"))}/.`, join(shared, "node_modules")]);
    run("chown", ["-R", "root:root", join(shared, "node_modules")]);
    run("chmod", ["-R", "a+rX,go-w", join(shared, "node_modules")]);
    writeFileSync(marker, lock);
  }
  const course = join(shared, "course");
  ensureWidgetBundle(); // the release carries the browser bundle (build/widgets.js)
  copyRelease(root, course);
  const bin = join(shared, "bin");
  mkdirSync(bin, { recursive: true });
  copyFileSync(join(root, "scripts", "lib", "classroom", "course.mjs"), join(bin, "course.mjs"));
  const node = join(bin, "node");
  rmSync(node, { force: true });
  if (worldReachable(process.execPath)) symlinkSync(realpathSync(process.execPath), node);
  else copyFileSync(process.execPath, node);
  run("chmod", ["-R", "a+rX,go-w", course, bin]);
  chmodSync(node, 0o755);
  return { course, bin, node, modules: join(shared, "node_modules") };
}

// ------------------------------------------------------------------ accounts

export function userInfo(name) {
  const r = spawnSync("getent", ["passwd", name], { encoding: "utf8" });
  if (r.status !== 0) return null;
  const [, , uid, gid, , home, shell] = r.stdout.trim().split(":");
  return { name, uid: Number(uid), gid: Number(gid), home, shell };
}

export function isStudent(name) {
  const r = spawnSync("id", ["-nG", name], { encoding: "utf8" });
  return r.status === 0 && r.stdout.trim().split(/\s+/).includes(STUDENT_GROUP);
}

/**
 * Create the student's account (home 700, no login shell: the hub is their only way in) and set its
 * password. An account that exists and is not one of ours (root, staff) is refused, never changed.
 */
export function ensureAccount(name, password) {
  run("groupadd", ["-f", STUDENT_GROUP]);
  let info = userInfo(name);
  if (info && !isStudent(name)) {
    throw new ClassroomError(`the roster names "${name}", which is an existing account that classroom setup did not create (not in the group ${STUDENT_GROUP}): rename the student or remove that line`);
  }
  if (!info) {
    run("useradd", ["--create-home", "--shell", "/usr/sbin/nologin", "--gid", STUDENT_GROUP, "--comment", "mnist-classroom student", name]);
    info = userInfo(name);
  }
  if (password) run("chpasswd", [], { input: `${name}:${password}\n` });
  chmodSync(info.home, 0o700);
  return info;
}

export function removeAccount(name) {
  if (!userInfo(name)) return;
  if (!isStudent(name)) throw new ClassroomError(`refusing to remove "${name}": not a classroom student account`);
  spawnSync("pkill", ["-KILL", "-u", name]);
  run("userdel", ["--remove", name], { allowFail: true });
  if (userInfo(name)) run("userdel", ["--force", "--remove", name]);
}

/** Remove the students' group once no account has it (another class may still use it: then it stays). */
export function removeStudentGroup() {
  spawnSync("groupdel", [STUDENT_GROUP], { stdio: "ignore" });
}

/** Run `node SHARED/bin/course.mjs install …` as the student; returns its report. */
export function installAsStudent(info, paths, stamp) {
  const dest = join(info.home, "mnist-course");
  const r = run(paths.node, [join(paths.bin, "course.mjs"), "install", paths.course, dest, paths.modules, stamp], {
    uid: info.uid,
    gid: info.gid,
    cwd: info.home,
    env: { HOME: info.home, PATH: "/usr/bin:/bin" },
  });
  return JSON.parse(r.stdout.trim().split("\n").pop());
}

/** Bytes of a student's file, read as the student (so a planted link cannot make root read elsewhere). */
export function readAsStudent(info, file) {
  const r = spawnSync("cat", ["--", file], { uid: info.uid, gid: info.gid, maxBuffer: 512 * 1024 * 1024 });
  return r.status === 0 ? r.stdout : null;
}

export function canAccess(file, mode = constants.R_OK) {
  try {
    accessSync(file, mode);
    return true;
  } catch {
    return false;
  }
}
