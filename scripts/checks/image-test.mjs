#!/usr/bin/env node
// The class image, built and run (a step of `npm test`; issue "Beyond one server"):
//   1. `npm run classroom -- image` builds mnist-course-singleuser:latest with podman (size and build time printed);
//   2. the image, started with no network, runs a chapter top to bottom with the course's own notebook runner and
//      the real kernel, as the student (uid 1000), and the course's files are read-only to that student;
//   3. a hub on loopback spawns a container of the image for a student who logs in through the login form
//      (scripts/lib/classroom/container-hub.mjs); a cell runs in the course's kernel; the student's edit of a chapter
//      survives a restart of the container (the home is a volume); a new image with a new chapter and a changed
//      chapter ("update") brings the new chapter and keeps the student's edit, the new version put beside it.
// Everything it made (containers, the volume, the updated image, the hub) is removed at the end, also on failure.
// It needs Linux as root with apt (podman comes from Debian); elsewhere it prints why it skips.

import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Student } from "../lib/classroom/client.mjs";
import { containerHubConfig, containerName, homeVolume } from "../lib/classroom/container-hub.mjs";
import { freePort, startHub, stopHub } from "../lib/classroom/hub.mjs";
import { buildImage, IMAGE, podmanEnv, run } from "../lib/classroom/image.mjs";
import { ensureHubPackages, ensureProxy } from "../lib/classroom/system.mjs";
import { ROOT } from "../lib/setup.mjs";

const CHAPTER = "01-data.ipynb";

function skip(reason) {
  console.log(`image test: SKIPPED — ${reason}`);
  process.exit(0);
}
if (process.platform !== "linux") skip("it needs Linux with podman");
if (process.getuid?.() !== 0) skip("it needs root (podman from Debian, containers run by root's podman); CI runs it as root");
if (spawnSync("sh", ["-c", "command -v podman || command -v apt-get"], { stdio: "ignore" }).status !== 0) skip("neither podman nor apt-get is here");

const checks = [];
function ok(what, good, detail = "") {
  checks.push({ what, good });
  console.log(`${good ? "✓" : "✗"} ${what}${detail ? `: ${detail}` : ""}`);
  if (!good) throw new Error(`image test: ${what} failed${detail ? `: ${detail}` : ""}`);
}

const tag = randomBytes(3).toString("hex");
const student = `ada${tag}`;
const updatedImage = `localhost/mnist-course-singleuser:update-${tag}`;
const state = mkdtempSync(join(tmpdir(), "mnist-image-test-"));
const env = podmanEnv(ROOT);
const podman = (args, options = {}) => run("podman", args, { env, quiet: true, ...options });

async function cleanUp() {
  await stopHub(state, []).catch(() => {});
  spawnSync("podman", ["rm", "-f", containerName(student)], { env, stdio: "ignore" });
  spawnSync("podman", ["volume", "rm", "-f", homeVolume(student)], { env, stdio: "ignore" });
  spawnSync("podman", ["rmi", "-f", updatedImage], { env, stdio: "ignore" });
  rmSync(state, { recursive: true, force: true });
}
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => cleanUp().then(() => process.exit(130)));

/** deploy/z2jh-values.yaml read as YAML and held against the keys the Zero to JupyterHub chart documents. */
function checkValues() {
  if (spawnSync("/usr/bin/python3", ["-c", "import yaml"], { stdio: "ignore" }).status !== 0) {
    run("apt-get", ["install", "-y", "-q", "--no-install-recommends", "python3-yaml"], { quiet: true });
  }
  const file = join(ROOT, "deploy", "z2jh-values.yaml");
  const parsed = spawnSync("/usr/bin/python3", ["-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))", file], { encoding: "utf8" });
  ok("deploy/z2jh-values.yaml parses as YAML", parsed.status === 0, parsed.stderr.trim());
  const v = JSON.parse(parsed.stdout);
  const documented = {
    "": ["singleuser", "cull", "hub", "proxy", "scheduling", "prePuller", "ingress", "debug", "global"],
    singleuser: ["image", "uid", "fsGid", "cmd", "defaultUrl", "extraEnv", "memory", "cpu", "storage", "networkPolicy", "startTimeout"],
    "singleuser.image": ["name", "tag", "pullPolicy", "pullSecrets"],
    "singleuser.memory": ["limit", "guarantee"],
    "singleuser.cpu": ["limit", "guarantee"],
    "singleuser.storage": ["type", "capacity", "homeMountPath", "dynamic", "extraVolumes", "extraVolumeMounts"],
    cull: ["enabled", "timeout", "every", "users", "adminUsers", "removeNamedServers", "concurrency", "maxAge"],
    hub: ["config", "extraConfig", "db", "image", "resources"],
  };
  const unknown = [];
  for (const [path, keys] of Object.entries(documented)) {
    const node = path === "" ? v : path.split(".").reduce((o, k) => o?.[k], v);
    for (const key of Object.keys(node ?? {})) if (!keys.includes(key)) unknown.push(path ? `${path}.${key}` : key);
  }
  ok("its keys are the chart's", unknown.length === 0, unknown.join(", "));
  const quantity = /^\d+(\.\d+)?[KMGT]i?$/;
  ok("it names this image and runs it as uid 1000", `${v.singleuser.image.name}:${v.singleuser.image.tag}` === IMAGE && v.singleuser.uid === 1000);
  ok("it sets memory and CPU limits per student", quantity.test(v.singleuser.memory.limit) && quantity.test(v.singleuser.memory.guarantee) &&
    typeof v.singleuser.cpu.limit === "number" && v.singleuser.cpu.guarantee <= v.singleuser.cpu.limit);
  ok("it culls idle servers", v.cull.enabled === true && Number.isInteger(v.cull.timeout) && v.cull.timeout > 0 && Number.isInteger(v.cull.every));
}

async function main() {
  checkValues();
  // 1. the build
  const built = buildImage(ROOT);
  console.log(`image: ${built.tag} from ${built.base}: ${(built.bytes / 2 ** 20).toFixed(0)} MiB, built in ${built.seconds.toFixed(0)} s`);

  // 2. offline, as the student: who runs, what they may change, and a chapter top to bottom
  const offline = (script, timeoutMs = 600_000) => spawnSync("podman", ["run", "--rm", "--network", "none", IMAGE, "sh", "-c", script],
    { env, encoding: "utf8", timeout: timeoutMs });
  const who = offline("id -u; touch /opt/mnist-course/lib/index.ts 2>&1 || echo read-only; ls ~/mnist-course/notebooks | head -3");
  ok("the image runs as the student, uid 1000", who.stdout.split("\n")[0] === "1000", who.stdout.split("\n")[0]);
  ok("the course's files are read-only to the student", who.stdout.includes("read-only"));
  ok("the entry point gave the student a copy of the course", who.stdout.includes("00-welcome.ipynb"), who.stderr.trim().slice(-300));
  const started = Date.now();
  const chapter = offline(`cd /opt/mnist-course && JUPYTER_RUNTIME_DIR=/tmp/jupyter-runtime node_modules/.bin/tsx scripts/commands/notebooks.ts --out /tmp/run "$HOME/mnist-course/notebooks/${CHAPTER}"`);
  ok(`with no network, ${CHAPTER} runs top to bottom in the image's kernel`, chapter.status === 0,
    chapter.status === 0 ? `${((Date.now() - started) / 1000).toFixed(1)} s` : `${chapter.stdout}${chapter.stderr}`.trim().split("\n").slice(-15).join("\n"));

  // 3. a hub that spawns containers
  ensureHubPackages();
  const proxyCommand = ensureProxy(join(state, "proxy"));
  mkdirSync(join(state, "hub"), { recursive: true });
  const password = randomBytes(9).toString("base64url");
  const token = randomBytes(24).toString("hex");
  const writeConfig = (image) => writeFileSync(join(state, "hub", "jupyterhub_config.py"), containerHubConfig({
    state, students: [student], password, proxyCommand, image, containersConf: env.CONTAINERS_CONF, token,
  }));
  writeConfig(IMAGE);
  const port = await freePort();
  const { url } = await startHub({ state, ip: "127.0.0.1", port, nodeBin: "/usr/local/bin" });
  const hubApi = (path, method = "GET") => fetch(`${url}/hub/api/${path}`, { method, headers: { Authorization: `token ${token}` }, signal: AbortSignal.timeout(60_000) });
  const stopServer = async () => {
    await hubApi(`users/${student}/server`, "DELETE");
    for (let i = 0; i < 120; i++) {
      const user = await (await hubApi(`users/${student}`)).json();
      if (!user.servers?.[""]) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error("the student's server did not stop within 60 s");
  };

  const s = new Student(url, student);
  await s.login(password);
  let t = Date.now();
  await s.openServer(240_000);
  ok("a student logs in and the hub spawns a container of the image", true, `${((Date.now() - t) / 1000).toFixed(1)} s to a running server`);
  const running = podman(["ps", "--format", "{{.Names}}"]);
  ok("the student's server is a container", running.split("\n").includes(containerName(student)));
  const channel = await s.kernel(CHAPTER);
  const cell = await channel.execute('import { Matrix } from "./lib/index";\nconsole.log(Matrix.zeros(3, 4).cols);');
  channel.close?.();
  ok("a cell runs in the course's kernel inside the container", cell.status === "ok" && cell.stdout.trim() === "4", `${cell.stdout}${cell.stderr}`.trim());

  const path = `contents/${CHAPTER}`; // the server's folder is ~/mnist-course/notebooks
  const nb = (await s.api(path)).json;
  const note = `my note ${tag}`;
  nb.content.cells.push({ cell_type: "markdown", metadata: {}, source: note });
  const saved = await s.api(path, { method: "PUT", body: JSON.stringify({ type: "notebook", content: nb.content }), headers: { "Content-Type": "application/json" } });
  ok("the student saves an edit of the chapter", saved.status === 200, `${saved.status}`);
  await stopServer();
  t = Date.now();
  await s.openServer(240_000);
  const again = (await s.api(path)).json;
  ok("the edit survives a restart of the container (the home is a volume)", JSON.stringify(again.content.cells).includes(note),
    `restarted in ${((Date.now() - t) / 1000).toFixed(1)} s`);

  // update: a new image whose release has a new chapter and a changed CHAPTER
  await stopServer();
  const context = join(state, "update");
  mkdirSync(context);
  writeFileSync(join(context, "Containerfile"), [
    `FROM ${IMAGE}`, "USER root",
    "RUN cd /opt/mnist-course/release/notebooks && cp 00-welcome.ipynb 99-new-chapter.ipynb \\",
    ` && sed -i 's/"cells": \\[/"cells": [{"cell_type": "markdown", "metadata": {}, "source": "corrected"},/' ${CHAPTER}`,
    "USER jovyan", "",
  ].join("\n"));
  podman(["build", "--network", "none", "-t", updatedImage, context]);
  await stopHub(state, []);
  writeConfig(updatedImage);
  const second = await startHub({ state, ip: "127.0.0.1", port, nodeBin: "/usr/local/bin" });
  const s2 = new Student(second.url, student);
  await s2.login(password);
  await s2.openServer(240_000);
  const listing = (await s2.api("contents")).json.content.map((f) => f.name);
  ok("an update brings the new chapter", listing.includes("99-new-chapter.ipynb"), listing.join(", "));
  const kept = (await s2.api(path)).json;
  ok("and keeps the student's edit", JSON.stringify(kept.content.cells).includes(note));
  const beside = listing.find((n) => n.startsWith(CHAPTER.replace(/\.ipynb$/, ".update-")));
  ok("the corrected chapter is put beside the student's", beside !== undefined, beside ?? listing.join(", "));
}

let failed = false;
try {
  await main();
} catch (e) {
  failed = true;
  console.error(e instanceof Error ? e.message : String(e));
} finally {
  await cleanUp();
}
console.log(`image test: ${checks.filter((c) => c.good).length} passed, ${failed ? 1 : 0} failed`);
process.exit(failed ? 1 : 0);
