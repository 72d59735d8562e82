#!/usr/bin/env node
// npm run classroom -- COMMAND [options]: the course for a class on one server, with JupyterHub.
//
//   setup --roster FILE.csv   accounts, the students' copies of the course, the hub's configuration (root)
//                             (--cull-after 30m: a server idle that long is stopped by the hub's culler service)
//   start [--port 8000] [--ip 127.0.0.1]   the hub in the background; prints the address
//   stop                      the hub, the proxy and every student server
//   status                    is the hub up, which students are running and how long each has been idle
//   collect --out DIR         every student's chapter notebooks into DIR/<username>/ (--chapters 01,05: those only)
//   grade --csv FILE [--html REPORT] [--out DIR] [--chapters 01,05]   collect, then grade each notebook as its
//                             student (root)
//   edition --out DIR         a student edition of the course in DIR: feedback-only checks, no solutions, no
//                             hidden tests (for a class without a hub; needs no root)
//   update                    new or corrected chapters to every student, keeping their edits
//   teardown --yes            stop, then remove every student account, home and the state folder
//   image                     the single-user image (Dockerfile) built with podman, for a hub that spawns
//                             containers or Zero to JupyterHub (deploy/z2jh-values.yaml)
// Every command takes --state DIR (default /srv/mnist-classroom). See README, "A class on one server".

import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { join, resolve } from "node:path";
import { spawnSync } from "node:child_process";
import { chapterNotebooks, copyRelease, EDITION_ENTRIES } from "../lib/classroom/course.mjs";
import { hubConfig, hubPid, hubUsers, startHub, stopHub } from "../lib/classroom/hub.mjs";
import { DEFAULT_CULL_AFTER, formatDuration, parseDuration } from "../lib/classroom/culler.mjs";
import { formatPasswords, parseBytes, parsePasswords, parseRoster, randomPassword } from "../lib/classroom/roster.mjs";
import { ClassroomError, ensureAccount, ensureHubPackages, ensureProxy, installAsStudent, isStudent, prepareShared, readAsStudent, removeAccount, removeStudentGroup, requireRoot, userInfo } from "../lib/classroom/system.mjs";
import { buildImage } from "../lib/classroom/image.mjs";
import { ROOT } from "../lib/setup.mjs";
import { fail, parseCommandLine, wholeNumber } from "../lib/cli.mjs";

export const DEFAULT_STATE = "/srv/mnist-classroom";
const USAGE = `usage: npm run classroom -- setup --roster FILE.csv | start [--port 8000] [--ip 127.0.0.1] | stop | status | collect --out DIR [--chapters 01,05] | grade --csv FILE [--html REPORT] [--chapters 01,05] | update | teardown --yes | edition --out DIR | image
  (every command: --state DIR, default ${DEFAULT_STATE}; setup also: --mem-limit 3G, --max-processes 512, --threads 1,
   --cull-after 30m (stop a server idle that long; "off" never; applies at once to a running class))`;

const OPTIONS = {
  state: { type: "string" }, roster: { type: "string" }, port: { type: "string" }, ip: { type: "string" }, out: { type: "string" }, csv: { type: "string" }, html: { type: "string" }, chapters: { type: "string" }, timeout: { type: "string" },
  "mem-limit": { type: "string" }, "max-processes": { type: "string" }, threads: { type: "string" }, "cull-after": { type: "string" }, yes: { type: "boolean" },
};

/** COMMAND [options] (scripts/lib/cli.mjs): an unknown option, a missing value or a second command is refused (exit 2). */
function commandLine(argv) {
  const { values, positionals } = parseCommandLine("classroom", { options: OPTIONS, allowPositionals: true, help: USAGE }, argv);
  if (positionals.length === 0) fail("classroom", `no command given; ${USAGE.split("\n")[0]}`);
  if (!(positionals[0] in COMMANDS)) fail("classroom", `unknown command "${positionals[0]}"; ${USAGE.split("\n")[0]}`);
  if (positionals.length > 1) fail("classroom", `unexpected argument "${positionals[1]}" after the command ${positionals[0]} (see --help)`);
  return { command: positionals[0], options: values };
}

const paths = (state) => ({
  state,
  hub: join(state, "hub"),
  shared: join(state, "shared"),
  passwords: join(state, "passwords.csv"),
  students: join(state, "hub", "students.json"),
  settings: join(state, "hub", "settings.json"),
  address: join(state, "hub", "address.json"),
  token: join(state, "hub", "status-token"),
});

function readJson(file, fallback) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return fallback;
  }
}

function writeSecret(file, text) {
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600);
}

const today = () => new Date().toISOString().slice(0, 10);

function requireSetUp(p) {
  if (!existsSync(join(p.hub, "jupyterhub_config.py"))) throw new ClassroomError(`no class is set up in ${p.state}: run \`npm run classroom -- setup --roster FILE.csv${p.state === DEFAULT_STATE ? "" : ` --state ${p.state}`}\` first`);
}

const studentUids = (p) => readJson(p.students, []).map((n) => userInfo(n)?.uid).filter((u) => u !== undefined);

export async function setup(p, options) {
  requireRoot("classroom setup");
  if (!options.roster) throw new ClassroomError(`setup needs --roster FILE.csv (a CSV with a "username" column)\n${USAGE}`);
  const students = parseRoster(readFileSync(options.roster, "utf8"), options.roster);
  const settings = {
    memLimitBytes: parseBytes(options["mem-limit"] ?? readJson(p.settings, {}).memLimit ?? "3G"),
    memLimit: options["mem-limit"] ?? readJson(p.settings, {}).memLimit ?? "3G",
    maxProcesses: Number(options["max-processes"] ?? readJson(p.settings, {}).maxProcesses ?? 512),
    threads: Number(options.threads ?? readJson(p.settings, {}).threads ?? 1),
    cullAfter: options["cull-after"] ?? readJson(p.settings, {}).cullAfter ?? DEFAULT_CULL_AFTER,
  };
  const cullAfterMs = parseDuration(settings.cullAfter);
  // The servers report activity a few times within the cull time (at most every minute, so that a cull time
  // shortened later, down to a few minutes, still sees active students as active).
  settings.activitySeconds = cullAfterMs ? Math.min(60, Math.max(10, Math.floor(cullAfterMs / 3000))) : 60;
  const foreign = students.filter((name) => userInfo(name) && !isStudent(name));
  if (foreign.length) {
    throw new ClassroomError(`the roster names existing accounts that classroom setup did not create (not in the group mnist-students): ${foreign.join(", ")}; rename those students or remove their lines`);
  }
  ensureHubPackages();
  mkdirSync(p.state, { recursive: true });
  chmodSync(p.state, 0o755);
  mkdirSync(p.hub, { recursive: true, mode: 0o700 });
  chmodSync(p.hub, 0o700);
  const proxyCommand = ensureProxy(join(p.hub, "proxy"));
  const shared = prepareShared(ROOT, p.shared);

  const passwords = existsSync(p.passwords) ? parsePasswords(readFileSync(p.passwords, "utf8")) : new Map();
  const stamp = today();
  const added = [];
  for (const name of students) {
    const isNew = !userInfo(name) || !passwords.has(name);
    const password = isNew ? randomPassword(randomBytes) : null;
    const info = ensureAccount(name, password);
    if (password) {
      passwords.set(name, password);
      writeSecret(p.passwords, formatPasswords(passwords)); // after each, so a failure loses no password
      added.push(name);
    }
    installAsStudent(info, shared, stamp);
  }
  writeSecret(p.passwords, formatPasswords(passwords));
  const before = readJson(p.students, []);
  const dropped = before.filter((n) => !students.includes(n));
  writeSecret(p.students, JSON.stringify(students) + "\n");
  writeSecret(p.settings, JSON.stringify({ memLimit: settings.memLimit, maxProcesses: settings.maxProcesses, threads: settings.threads, cullAfter: settings.cullAfter }) + "\n");
  if (!existsSync(p.token)) writeSecret(p.token, randomBytes(32).toString("hex") + "\n");
  // The culler runs as the hub's service, as root: its copy lives in the hub's root-only folder.
  copyFileSync(join(ROOT, "scripts", "lib", "classroom", "culler.mjs"), join(p.hub, "culler.mjs"));
  const cullerCommand = [shared.node, join(p.hub, "culler.mjs"), "--settings", p.settings];
  writeSecret(join(p.hub, "jupyterhub_config.py"), hubConfig({ state: p.state, students, proxyCommand, nodeBin: shared.bin, cullerCommand, ...settings }));

  console.log(`Class set up in ${p.state}: ${students.length} student(s), ${added.length} new (${added.join(", ") || "none"}).`);
  console.log(`Passwords (new ones added): ${p.passwords} (root only). Each student has ~/mnist-course (home 700).`);
  console.log(cullAfterMs ? `A server idle for ${formatDuration(cullAfterMs)} is stopped (the student's files stay; --cull-after to change).` : "Idle servers are never stopped (--cull-after off).");
  if (dropped.length) console.log(`No longer in the roster, so they cannot log in (accounts and work kept): ${dropped.join(", ")}.`);
  if (hubPid(p.state)) console.log("The hub is running: `npm run classroom -- stop` then `start` to apply the new roster.");
  else console.log("Next: npm run classroom -- start");
}

export async function start(p, options) {
  const port = options.port === undefined ? 8000 : wholeNumber("classroom", "--port", options.port, 1, 65535);
  requireRoot("classroom start");
  requireSetUp(p);
  const ip = options.ip ?? "127.0.0.1";
  const { pid, url } = await startHub({ state: p.state, ip, port, nodeBin: join(p.shared, "bin") });
  writeSecret(p.address, JSON.stringify({ url, ip, port, pid }) + "\n");
  console.log(`The hub is running (pid ${pid}): ${url}/`);
  const loopback = ip === "127.0.0.1" || ip === "::1" || ip === "localhost";
  console.log(
    loopback
      ? "It listens on this machine only. For a class network, put a TLS proxy in front (README: \"A class on one server\")."
      : `WARNING: it listens on ${ip} without TLS: passwords cross the network in clear. Put a TLS proxy in front (README: "A class on one server").`,
  );
}

export async function stop(p) {
  requireRoot("classroom stop");
  const done = await stopHub(p.state, studentUids(p));
  rmSync(p.address, { force: true });
  console.log(done.length ? `${done.join("; ")}.` : "No hub was running.");
}

export async function status(p) {
  requireSetUp(p);
  const pid = hubPid(p.state);
  if (!pid) {
    console.log("The hub is not running.");
    return [];
  }
  const { url } = readJson(p.address, {});
  const token = readFileSync(p.token, "utf8").trim();
  const users = await hubUsers(url, token);
  const running = users.filter((u) => u.server !== "stopped");
  const cullAfter = readJson(p.settings, {}).cullAfter ?? DEFAULT_CULL_AFTER;
  const cullAfterMs = parseDuration(cullAfter);
  console.log(`The hub is running (pid ${pid}) at ${url}/: ${running.length} of ${readJson(p.students, []).length} student server(s) up; ${cullAfterMs ? `a server idle for ${formatDuration(cullAfterMs)} is stopped` : "idle servers are not stopped"}.`);
  for (const u of running) {
    const idle = u.idleMs === null ? "" : `idle ${formatDuration(u.idleMs)}${cullAfterMs ? ` (stopped after ${formatDuration(cullAfterMs)})` : ""}`;
    console.log(`  ${u.name.padEnd(20)} ${u.server.padEnd(10)} ${idle || `last active ${u.lastActivity ?? "-"}`}`);
  }
  return users;
}

export async function collect(p, options) {
  requireRoot("classroom collect");
  requireSetUp(p);
  if (!options.out) throw new ClassroomError(`collect needs --out DIR\n${USAGE}`);
  const out = resolve(options.out);
  const wanted = options.chapters ? String(options.chapters).split(",").map((c) => c.trim().padStart(2, "0")) : null;
  const chapters = chapterNotebooks(join(p.shared, "course")).filter((nb) => !wanted || wanted.includes(nb.slice(0, 2)));
  if (wanted && chapters.length === 0) throw new ClassroomError(`--chapters ${options.chapters}: no chapter notebook starts with ${wanted.join(" or ")}`);
  let copied = 0;
  const missing = [];
  mkdirSync(out, { recursive: true });
  chmodSync(out, 0o700); // students' answers: root's only (a student must not read another's)
  for (const name of readJson(p.students, [])) {
    const info = userInfo(name);
    if (!info) {
      missing.push(`${name} (no account)`);
      continue;
    }
    mkdirSync(join(out, name), { recursive: true });
    for (const nb of chapters) {
      const bytes = readAsStudent(info, join(info.home, "mnist-course", "notebooks", nb));
      if (bytes === null) missing.push(`${name}/${nb}`);
      else {
        writeFileSync(join(out, name, nb), bytes);
        copied++;
      }
    }
  }
  console.log(`Collected ${copied} notebook(s) into ${out}/<username>/.${missing.length ? ` Missing: ${missing.join(", ")}.` : ""}`);
  console.log(`Grade them (as the students): npm run grade -- ${out} --csv grades.csv   (or collect and grade at once: npm run classroom -- grade --csv grades.csv)`);
  return { copied, missing };
}

/**
 * Collect, then grade: `npm run grade` on the collected folder, which (as root) runs each notebook as its
 * student's account (their folder is named after it), against a read-only copy of the course.
 */
export async function grade(p, options) {
  requireRoot("classroom grade");
  requireSetUp(p);
  if (!options.csv) throw new ClassroomError(`grade needs --csv FILE (one row per student, notebook and exercise)\n${USAGE}`);
  const out = resolve(options.out ?? join(p.state, "collected", today()));
  await collect(p, { out, chapters: options.chapters });
  const args = [join(ROOT, "node_modules", ".bin", "tsx"), join(ROOT, "scripts", "commands", "grade.ts"), out, "--csv", resolve(options.csv)];
  if (options.html) args.push("--html", resolve(options.html));
  if (options.timeout) args.push("--timeout", String(options.timeout));
  const r = spawnSync(args[0], args.slice(1), { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) throw new ClassroomError(`grading failed (exit ${r.status ?? r.signal})`);
}

/** A student edition of the course in DIR (no root, no hub): what students get, with the commands to run it. */
export async function edition(p, options) {
  if (!options.out) throw new ClassroomError(`edition needs --out DIR\n${USAGE}`);
  const out = resolve(options.out);
  if (out === ROOT || ROOT.startsWith(out + "/")) throw new ClassroomError(`--out ${out} would replace the course itself: choose another folder`);
  if (existsSync(out) && !existsSync(join(out, "package.json"))) {
    if (readdirSync(out).length > 0) throw new ClassroomError(`--out ${out} is a folder that is not empty and holds no course: choose an empty or new folder`);
  }
  const files = copyRelease(ROOT, out, EDITION_ENTRIES);
  console.log(`Wrote the student edition to ${out} (${files.length} files): the chapters, lib/ with feedback-only checks, no solutions, no hidden tests.`);
  console.log(`A student runs it with: cd ${out} && npm ci && npm start. Grade what they hand in from your own copy (it holds the hidden tests): npm run grade -- DIR --csv grades.csv`);
}

export async function update(p) {
  requireRoot("classroom update");
  requireSetUp(p);
  const shared = prepareShared(ROOT, p.shared);
  const stamp = today();
  const summary = [];
  for (const name of readJson(p.students, [])) {
    const info = userInfo(name);
    if (!info) continue;
    const r = installAsStudent(info, shared, stamp);
    summary.push(`  ${name}: ${r.added.length} added, ${r.updated.length} updated, ${r.beside.length} new version(s) put beside their own edited file${r.beside.length ? ` (${r.beside.join(", ")})` : ""}`);
  }
  console.log(`Course updated for ${summary.length} student(s):\n${summary.join("\n")}`);
}

export async function teardown(p, options) {
  requireRoot("classroom teardown");
  if (!options.yes) throw new ClassroomError("teardown removes every student account, their homes (their work) and the state folder: add --yes");
  await stop(p);
  for (const name of readJson(p.students, [])) removeAccount(name);
  removeStudentGroup();
  rmSync(p.state, { recursive: true, force: true });
  console.log(`Removed the student accounts and ${p.state}.`);
}

export async function image() {
  const built = buildImage(ROOT);
  console.log(`Built ${built.tag} from ${built.base}: ${(built.bytes / 2 ** 20).toFixed(0)} MiB, in ${built.seconds.toFixed(0)} s.`);
  console.log("Run it as a hub would: see README, \"Beyond one server\".");
}

const COMMANDS = { setup, start, stop, status, collect, grade, update, teardown, edition, image };

async function main() {
  const { command, options } = commandLine(process.argv.slice(2));
  const p = paths(resolve(options.state ?? DEFAULT_STATE));
  await COMMANDS[command](p, options);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main().catch((e) => {
    // Our messages say what was expected and found; a stack only helps for a bug (CLASSROOM_DEBUG=1).
    if (process.env.CLASSROOM_DEBUG || !(e instanceof Error)) throw e;
    process.stderr.write(`classroom: ${e.message}\n`);
    process.exit(1);
  });
}
