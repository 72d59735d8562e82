#!/usr/bin/env node
// npm test (after scripts/commands/setup.mjs --for test): every check the project has, in order, stopping at the
// first that fails:
//   1. types      tsc --noEmit -p . and -p web   (strict; tslab itself does not type-check lib/ strictly)
//   2. unit       vitest run          (test/*.test.ts), without the two that grade in real kernels, which follow
//                 as their own step, grading (test/grade-bypass.test.ts, test/student-edition.test.ts: minutes each)
//   3. notebooks  every notebooks/*.ipynb, then notebooks/solutions/*.ipynb, each executed in a fresh tslab
//                 kernel and exported to build/html/
//   4. html       the exports opened in headless Chromium: charts drawn, formulas typeset, no JS errors
//   5. book       build/book/ built from the executed chapters (scripts/commands/book.ts)
//   6. browser    the book opened in Chromium: every page, the digit pad drawn on, the playground trained
//   7. classroom  the course for a class on JupyterHub, end to end (scripts/checks/classroom-test.mjs): runs as
//                 root where apt works (CI), skips with its reason elsewhere; stopped after 10 minutes (a fresh machine installs JupyterHub first)
//   8. image      the single-user image built with podman and run (scripts/checks/image-test.mjs): a chapter offline in it,
//                 a hub on loopback that spawns it; root with apt only; stopped after 30 minutes (a first build
//                 makes its Debian base with debootstrap)

import { readdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../lib/setup.mjs";
import { parseCommandLine } from "../lib/cli.mjs";
import { onParentGone, spawnTied } from "../lib/lifeline.mjs";

parseCommandLine("test", {
  help: "Usage: npm test\n\nRuns every check, stopping at the first failure. It takes no arguments; run one step alone with\n" +
    "npm run typecheck, npm run unit (or npx vitest run test/FILE.test.ts), npm run notebooks [-- FILES], npm run check-html,\n" +
    "npm run book, npm run check-book.",
});

// The tests that grade notebooks in real kernels take minutes each: a step of their own, after the quick ones.
const LONG = ["test/grade-bypass.test.ts", "test/student-edition.test.ts"];
const bin = (name) => join(ROOT, "node_modules", ".bin", name);
// The HTML check looks at the exports of today's notebooks only (build/ may hold older ones).
const exports = readdirSync(join(ROOT, "notebooks"))
  .filter((f) => f.endsWith(".ipynb"))
  .sort()
  .map((f) => join(ROOT, "build", "html", f.replace(/\.ipynb$/, ".html")));
const STEPS = [
  { name: "types", what: "tsc --noEmit -p .", cmd: bin("tsc"), args: ["--noEmit", "-p", "."] },
  { name: "types-web", what: "tsc --noEmit -p web (the page code, with the browser's types)", cmd: bin("tsc"), args: ["--noEmit", "-p", "web"] },
  { name: "unit", what: "vitest run (without the grading tests, next)", cmd: bin("vitest"), args: ["run", ...LONG.flatMap((t) => ["--exclude", t])] },
  { name: "grading", what: `vitest run ${LONG.join(" ")} (grading in real kernels: the bypasses of issue 23, the student edition)`, cmd: bin("vitest"), args: ["run", ...LONG] },
  { name: "notebooks", what: "execute notebooks/*.ipynb and notebooks/solutions/*.ipynb (--html)", cmd: bin("tsx"), args: [join(ROOT, "scripts", "commands", "notebooks.ts"), "--html"] },
  { name: "html", what: "check the HTML exports in Chromium", cmd: process.execPath, args: [join(ROOT, "scripts", "checks", "check-html.mjs"), ...exports] },
  { name: "book", what: "build the book from the executed chapters (npm run book)", cmd: bin("tsx"), args: [join(ROOT, "scripts", "commands", "book.ts"), "--no-run"] },
  { name: "browser", what: "check the book in Chromium: every page, the digit pad, the playground", cmd: process.execPath, args: [join(ROOT, "scripts", "checks", "check-book.mjs")] },
  { name: "classroom", what: "a class on JupyterHub, end to end (root with apt only)", cmd: process.execPath, args: [join(ROOT, "scripts", "checks", "classroom-test.mjs")], timeoutSeconds: 600 },
  { name: "image", what: "the class image built with podman and run: offline, and behind a hub that spawns it (root with apt only)", cmd: process.execPath, args: [join(ROOT, "scripts", "checks", "image-test.mjs")], timeoutSeconds: 1800 },
].filter((step) => step.name !== "html" || exports.length > 0);

let current = null;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    if (current && current.exitCode === null) current.kill(signal);
  });
}

// `npm test` runs us through `sh -c`, which dies on SIGTERM without passing it on: if our parent goes
// away, stop the current step as if we had been sent SIGTERM. (Each step holds a lifeline to us too.)
onParentGone(() => {
  if (current && current.exitCode === null) current.kill("SIGTERM");
});

function run(step) {
  return new Promise((resolveRun) => {
    current = spawnTied(step.cmd, step.args, { cwd: ROOT, stdio: "inherit" });
    const child = current;
    let timer = null;
    if (step.timeoutSeconds) {
      // Past its time a step gets SIGTERM (the classroom test cleans up on it), then SIGKILL a minute later.
      timer = setTimeout(() => {
        console.error(`\n${step.name}: still running after ${step.timeoutSeconds} s: stopping it`);
        child.kill("SIGTERM");
        setTimeout(() => child.exitCode === null && child.kill("SIGKILL"), 60_000).unref();
      }, step.timeoutSeconds * 1000);
    }
    current.on("error", (e) => resolveRun({ code: 1, error: e }));
    current.on("exit", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolveRun({ code: code ?? 1, signal });
    });
  });
}

const began = Date.now();
const timings = [];
for (const [i, step] of STEPS.entries()) {
  console.log(`\n━━ ${i + 1}/${STEPS.length} ${step.name}: ${step.what}`);
  const t0 = Date.now();
  const { code, signal, error } = await run(step);
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  timings.push(`${step.name} ${seconds} s`);
  if (code !== 0 || signal) {
    const why = error ? error.message : signal ? `stopped by ${signal}` : `exit code ${code}`;
    console.error(`\nnpm test FAILED at step ${i + 1} (${step.name}: ${step.what}), ${why}. See the messages above.`);
    process.exit(code || 1);
  }
}
console.log(`\nnpm test passed in ${((Date.now() - began) / 1000).toFixed(1)} s (${timings.join(", ")})`);
