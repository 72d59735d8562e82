#!/usr/bin/env node
// A student's copy of the course, and how an update reaches it without losing their work.
//
//   node course.mjs release ROOT OUT
//
// copies the files a student gets (COURSE_ENTRIES below, without the solutions) from the project ROOT into
// OUT: the release that `classroom setup` and the Dockerfile install from.
//
//   node course.mjs install SOURCE DEST SHARED_NODE_MODULES STAMP
//
// copies the course release in SOURCE into DEST (the student's ~/mnist-course), links DEST/node_modules to
// the shared read-only packages, and prints one JSON line: what it did to each file. `classroom setup` and
// `classroom update` run it AS THE STUDENT (never as root), so a link a student plants in their own home
// cannot make root write anywhere else. It needs nothing but Node: it is copied beside the shared packages.
//
// The rule for each file, using DEST/.course-manifest.json (the hash of what the student was last given,
// and of any new version already put beside their own):
//   missing in DEST                     → copied                                   ("added")
//   same bytes as the release           → nothing                                  ("same")
//   unchanged since we handed it out    → replaced by the new version              ("updated")
//   changed by the student              → kept; the new version is written beside it as
//                                         NAME.update-STAMP.EXT, once              ("beside")
//   changed by the student, nothing new since (or already beside) → kept            ("kept")

import { createHash } from "node:crypto";
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, readlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** What a student gets, relative to the project root (notebooks/solutions/ and the hidden tests,
 *  lib/course/exercises/hidden/, stay with the teacher: students get the feedback-only checks; web/ is the
 *  page code, and build/widgets.js its bundle that drawDigit() and playground() put in the page). */
export const COURSE_ENTRIES = ["README.md", "package.json", "tsconfig.json", "lib", "web", "notebooks", "jupyter", "data", "results", "build/widgets.js"];
/** A student edition for a class without a hub (`npm run classroom -- edition --out DIR`) also has the commands. */
export const EDITION_ENTRIES = [...COURSE_ENTRIES, "package-lock.json", "scripts"];
export const HIDDEN = "lib/course/exercises/hidden";
const SKIP = new Set(["notebooks/solutions", HIDDEN, "node_modules", ".ipynb_checkpoints", "build"]);
export const MANIFEST = ".course-manifest.json";

/** Every file of the course under `root`, as sorted relative paths with "/" separators. */
export function courseFiles(root, entries = COURSE_ENTRIES) {
  const out = [];
  const walk = (rel) => {
    const abs = join(root, rel);
    if (!existsSync(abs)) return;
    const st = lstatSync(abs);
    if (st.isDirectory()) {
      for (const name of readdirSync(abs).sort()) {
        const child = `${rel}/${name}`;
        if (!SKIP.has(child) && !SKIP.has(name)) walk(child);
      }
    } else if (st.isFile()) out.push(rel);
  };
  for (const entry of entries) walk(entry);
  return out.sort();
}

/** Copy the course files of `root` into `out` (emptied first); returns their relative paths. */
export function copyRelease(root, out, entries = COURSE_ENTRIES) {
  rmSync(out, { recursive: true, force: true });
  const files = courseFiles(root, entries);
  for (const rel of files) {
    mkdirSync(dirname(join(out, rel)), { recursive: true });
    copyFileSync(join(root, rel), join(out, rel));
  }
  return files;
}

/** The chapter notebooks of a course folder: notebooks/NN-name.ipynb. */
export function chapterNotebooks(root) {
  const dir = join(root, "notebooks");
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => /^\d\d-[^/]*\.ipynb$/.test(f) && !f.includes(".update-")).sort();
}

const sha = (file) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** NAME.update-STAMP.EXT beside `rel`. */
export function besideName(rel, stamp) {
  const ext = extname(rel);
  return `${rel.slice(0, rel.length - ext.length)}.update-${stamp}${ext}`;
}

/**
 * Install or update the course from `source` into `dest` following the rule above.
 * Returns { added, same, updated, beside, kept }: lists of relative paths ("beside" lists the new names).
 */
export function installCourse(source, dest, stamp) {
  const report = { added: [], same: [], updated: [], beside: [], kept: [] };
  mkdirSync(dest, { recursive: true, mode: 0o700 });
  const manifestPath = join(dest, MANIFEST);
  let manifest = { given: {}, offered: {} };
  try {
    manifest = { ...manifest, ...JSON.parse(readFileSync(manifestPath, "utf8")) };
  } catch {
    /* first install, or the student deleted it: every changed file counts as theirs */
  }
  const { given, offered } = manifest;
  for (const rel of courseFiles(source)) {
    const from = join(source, rel);
    const to = join(dest, rel);
    const fresh = sha(from);
    mkdirSync(dirname(to), { recursive: true });
    if (!existsSync(to)) {
      copyFileSync(from, to);
      given[rel] = fresh;
      report.added.push(rel);
      continue;
    }
    const theirs = sha(to);
    if (theirs === fresh) {
      given[rel] = fresh;
      report.same.push(rel);
    } else if (given[rel] === theirs) {
      copyFileSync(from, `${to}.tmp-update`);
      renameSync(`${to}.tmp-update`, to);
      given[rel] = fresh;
      report.updated.push(rel);
    } else if (given[rel] === fresh || offered[rel] === fresh) {
      report.kept.push(rel); // nothing new since we gave it, or since we put the new version beside it
    } else {
      const other = besideName(rel, stamp);
      copyFileSync(from, join(dest, other));
      offered[rel] = fresh;
      report.beside.push(other);
    }
  }
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 1) + "\n");
  return report;
}

/** DEST/node_modules → the shared packages (replaces an old link; leaves a real folder the student made alone). */
export function linkSharedModules(dest, shared) {
  const link = join(dest, "node_modules");
  let st = null;
  try {
    st = lstatSync(link);
  } catch {
    st = null;
  }
  if (st && st.isSymbolicLink()) {
    if (readlinkSync(link) === shared) return;
    unlinkSync(link);
  } else if (st) {
    return;
  }
  symlinkSync(shared, link);
}

const cli = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (cli && process.argv[2] === "install") {
  const [source, dest, shared, stamp] = process.argv.slice(3);
  if (!source || !dest || !shared || !stamp) {
    process.stderr.write(`usage: ${basename(process.argv[1])} install SOURCE DEST SHARED_NODE_MODULES STAMP\n`);
    process.exit(2);
  }
  const report = installCourse(source, dest, stamp);
  linkSharedModules(dest, shared);
  process.stdout.write(JSON.stringify(report) + "\n");
} else if (cli && process.argv[2] === "release" && process.argv[4]) {
  process.stdout.write(`${copyRelease(resolve(process.argv[3]), resolve(process.argv[4])).length} files\n`);
} else if (cli) {
  process.stderr.write(`usage: ${basename(process.argv[1])} install SOURCE DEST SHARED_NODE_MODULES STAMP | release ROOT OUT\n`);
  process.exit(2);
}
