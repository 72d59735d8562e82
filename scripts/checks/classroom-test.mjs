#!/usr/bin/env node
// The classroom, end to end (a step of `npm test`): two students set up, the hub started on a loopback
// port, one student logged in through the real login page in headless Chromium, a chapter run and an
// exercise answered there, the isolation checked (the other student's runaway cells, reading someone
// else's notebooks, the admin pages), the notebooks collected and graded, then everything stopped and the
// test accounts and their homes removed — also when a check fails, on Ctrl-C, or at the time limit.
// On the way, the idle culler: a short cull time set on the running class stops the idle student's server,
// her saved notebook stays intact, and her next login starts a fresh server.
//
// It needs root, Linux with apt (it installs JupyterHub the way `classroom setup` does) and Chromium;
// elsewhere it prints why it skips and exits 0.

import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Student } from "../lib/classroom/client.mjs";
import { freePort } from "../lib/classroom/hub.mjs";
import { parsePasswords } from "../lib/classroom/roster.mjs";
import { chromiumPath, KERNEL_NAME, ROOT } from "../lib/setup.mjs";
import { launchChromium } from "../lib/chromium.mjs";

const LIMIT_SECONDS = Number(process.env.CLASSROOM_TEST_SECONDS ?? 360);
const CHAPTER = "01-data.ipynb";
const CULL_SECONDS = 15; // the short cull time the test sets on the running class

function skip(reason) {
  console.log(`classroom test: SKIPPED — ${reason}`);
  process.exit(0);
}
if (process.platform !== "linux") skip("it needs Linux (Debian/Ubuntu) with apt");
if (process.getuid?.() !== 0) skip("it needs root (it creates and removes Unix accounts); CI runs it as root");
if (!existsSync("/usr/bin/apt-get") && !existsSync("/usr/bin/jupyterhub")) skip("no apt-get to install JupyterHub with, and no JupyterHub");
if (!chromiumPath()) skip("no Chromium (npm test's set-up installs it: node scripts/commands/setup.mjs --for test)");

const began = Date.now();
const state = mkdtempSync(join(tmpdir(), "mnist-classroom-test-"));
chmodSync(state, 0o755);
const tag = randomBytes(3).toString("hex");
const [alice, bob] = [`mnt-a${tag}`, `mnt-b${tag}`];
const out = join(state, "collected");
let browser = null;
let cleaned = false;

function classroom(args, { allowFail = false, timeout = 180_000 } = {}) {
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "commands", "classroom.mjs"), ...args, "--state", state], { encoding: "utf8", timeout });
  if (r.status !== 0 && !allowFail) throw new Error(`classroom ${args.join(" ")} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  return r;
}

function cleanup(why) {
  if (cleaned) return;
  cleaned = true;
  if (why) console.log(`classroom test: cleaning up (${why})`);
  try {
    browser?.process?.()?.kill("SIGKILL");
  } catch {
    /* gone */
  }
  const r = classroom(["teardown", "--yes"], { allowFail: true, timeout: 90_000 });
  for (const name of [alice, bob]) {
    if (spawnSync("getent", ["passwd", name]).status === 0) {
      spawnSync("pkill", ["-KILL", "-u", name]);
      spawnSync("userdel", ["--force", "--remove", name]);
    }
  }
  rmSync(state, { recursive: true, force: true });
  const left = [alice, bob].filter((n) => spawnSync("getent", ["passwd", n]).status === 0 || existsSync(`/home/${n}`));
  if (left.length) console.error(`classroom test: could not remove ${left.join(", ")}:\n${r.stdout}${r.stderr}`);
}
// A closed stdout (a pipe whose reader left) or any uncaught error still cleans up.
process.stdout.on("error", () => {});
process.on("uncaughtException", (e) => {
  console.error(`classroom test FAILED: ${e?.stack ?? e}`);
  cleanup("an uncaught error");
  process.exit(1);
});
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    cleanup(`got ${signal}`);
    process.exit(1);
  });
}
const watchdog = setTimeout(() => {
  console.error(`classroom test FAILED: it took longer than ${LIMIT_SECONDS} s`);
  cleanup("time limit");
  process.exit(1);
}, LIMIT_SECONDS * 1000);

let checks = 0;
function ok(condition, what, detail = "") {
  if (!condition) throw new Error(`${what}${detail ? `: ${detail}` : ""}`);
  checks++;
  console.log(`  ok  ${what}`);
}
/**
 * The chapter's first exercise and its answer from the solutions notebook: { name, id, answer }, where the
 * chapter has `const NAME … = undefined;` then `check("ID", NAME)`, and the solutions define NAME for real.
 */
function firstExercise(chapter) {
  const code = (file) => JSON.parse(readFileSync(file, "utf8")).cells.filter((c) => c.cell_type === "code").map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source));
  const cells = code(join(ROOT, "notebooks", chapter));
  const at = cells.findIndex((c) => /^const \w+\b[^\n]*= undefined;/.test(c));
  if (at < 0) throw new Error(`${chapter}: no answer cell (const NAME … = undefined;) found`);
  const name = /^const (\w+)/.exec(cells[at])[1];
  const id = /check\("([^"]+)"/.exec(cells.slice(at + 1).find((c) => /check\("/.test(c)) ?? "")?.[1];
  const solutions = join(ROOT, "notebooks", "solutions", `${chapter.slice(0, 2)}-solutions.ipynb`);
  const answer = existsSync(solutions) ? code(solutions).find((c) => c.startsWith(`const ${name}`) && !/= undefined;/.test(c)) : undefined;
  if (!id || !answer) throw new Error(`${chapter}: exercise ${name}: no check("…") after it, or no answer in ${solutions}`);
  return { name, id, answer };
}

const elapsed = () => `${((Date.now() - began) / 1000).toFixed(1)} s`;
const mode = (file) => statSync(file).mode & 0o777;

async function main() {
  const exercise = firstExercise(CHAPTER);
  // --- setup: one student, then a longer roster (adds the second, touches no one's work)
  const roster = join(state, "roster.csv");
  writeFileSync(roster, `username,name\n${alice},Alice\n`);
  classroom(["setup", "--roster", roster, "--mem-limit", "1500M"]);
  const first = parsePasswords(readFileSync(join(state, "passwords.csv"), "utf8"));
  writeFileSync(join(`/home/${alice}`, "mnist-course", "notebooks", "my-notes.txt"), "mine\n");
  writeFileSync(roster, `username,name\n${alice},Alice\n${bob},Bob\n`);
  classroom(["setup", "--roster", roster]);
  const passwords = parsePasswords(readFileSync(join(state, "passwords.csv"), "utf8"));
  ok(passwords.get(alice) === first.get(alice) && passwords.has(bob), "setup again with a longer roster adds the new student and keeps the first one's password");
  ok(existsSync(join(`/home/${alice}`, "mnist-course", "notebooks", "my-notes.txt")), "… and leaves the first student's files alone");
  ok(mode(join(state, "passwords.csv")) === 0o600, "passwords.csv is readable by root only");
  ok(mode(`/home/${alice}`) === 0o700 && mode(`/home/${bob}`) === 0o700, "homes are mode 700");
  ok(!existsSync(join(`/home/${alice}`, "mnist-course", "notebooks", "solutions")), "students get no solutions");
  const badRoster = join(state, "bad.csv");
  writeFileSync(badRoster, "name\nAlice\n");
  const refused = classroom(["setup", "--roster", badRoster], { allowFail: true });
  ok(refused.status !== 0 && /"username" column/.test(refused.stderr), "a roster without a username column is refused with a clear message", refused.stderr);
  console.log(`  (set up in ${elapsed()})`);

  // --- start on a loopback port
  const port = await freePort();
  const started = classroom(["start", "--port", String(port)]).stdout;
  const base = `http://127.0.0.1:${port}`;
  ok(started.includes(`${base}/`) && /TLS/.test(started), "start prints the address and the TLS advice", started);

  // --- bob, simulated: isolation and runaway cells
  const b = new Student(base, bob);
  const refusedLogin = await new Student(base, "root").login("x").then(() => false, () => true);
  ok(refusedLogin, "an account not on the roster (root) cannot log in");
  await b.login(passwords.get(bob));
  await b.openServer();
  const k1 = await b.kernel("scratch.ipynb");
  const peek = await k1.execute(`require("fs").readFileSync("/home/${alice}/mnist-course/notebooks/${CHAPTER}", "utf8").length`, 60_000);
  ok(peek.status !== "ok" && /EACCES|permission denied/i.test(peek.error + peek.stderr), "a student cannot read another student's notebooks", JSON.stringify(peek));
  await new Promise((r) => setTimeout(r, 500)); // tslab aborts a request that comes within 200 ms of an error
  const hog = await k1.execute("const hog: Float64Array[] = []; for (;;) hog.push(new Float64Array(1e7).fill(1));", 90_000);
  const hogError = `${hog.error} ${hog.stderr}`;
  // Either V8 refuses the allocation (a RangeError in the cell) or it dies of it and the server restarts the kernel.
  const stopped = /allocation failed|out of memory|websocket closed|kernel died/i;
  ok(hog.status !== "ok" && stopped.test(hogError), `a runaway allocation is stopped by the student's memory limit ("${(new RegExp(`[^\\n]*(${stopped.source})[^\\n]*`, "i").exec(hogError)?.[0] ?? "").trim().slice(0, 80)}")`, JSON.stringify(hog).slice(0, 400));
  const k2 = await b.kernel("spin.ipynb");
  const spinning = k2.execute("for (;;) {}", 1_000); // never ends: a runaway loop for the rest of the test

  // --- alice, in Chromium, through the real login page
  browser = await launchChromium();
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${base}/hub/login`);
  await page.fill("#username_input", alice);
  await page.fill("#password_input", passwords.get(alice));
  await Promise.all([page.waitForURL(new RegExp(`/user/${alice}/tree`), { timeout: 90_000 }), page.click("#login_submit")]);
  ok(true, "the student logs in through the hub's login page and lands on their notebooks");
  await page.goto(`${base}/user/${alice}/notebooks/${CHAPTER}`);
  await page.waitForFunction(() => window.Jupyter?.notebook?.kernel?.is_connected?.(), null, { timeout: 90_000 });
  ok((await page.evaluate(() => window.Jupyter.notebook.kernel.name)) === KERNEL_NAME, "the chapter opens in the course's TypeScript kernel");
  const answered = await page.evaluate(({ name, answer }) => {
    const cell = window.Jupyter.notebook.get_cells().find((c) => c.get_text().startsWith(`const ${name}`));
    if (!cell) return false;
    cell.set_text(answer);
    return true;
  }, exercise);
  ok(answered, `the student answers exercise ${exercise.id} in the page`);
  const t0 = Date.now();
  const correct = new RegExp(`${exercise.id.replace(/\./g, "\\.")}: Correct!`);
  await page.evaluate(() => window.Jupyter.notebook.execute_all_cells());
  await page.waitForFunction(
    () => window.Jupyter.notebook.get_cells().every((c) => c.cell_type !== "code" || typeof c.input_prompt_number === "number") && !window.Jupyter.notebook.kernel_busy,
    null,
    { timeout: 150_000, polling: 500 },
  );
  const text = await page.evaluate(() => document.querySelector("#notebook").innerText);
  ok(!/Error:|Traceback/.test(text.replace(/Exercise[^\n]*/g, "")) && correct.test(text), `the chapter runs top to bottom in the page (${((Date.now() - t0) / 1000).toFixed(1)} s) while another student's loop spins, and says "Correct!"`);
  await page.evaluate(() => window.Jupyter.notebook.save_notebook());
  await page.waitForFunction(() => !window.Jupyter.notebook.dirty, null, { timeout: 30_000 });
  const spun = await Promise.race([spinning.then(() => "ended"), new Promise((r) => setTimeout(() => r("spinning"), 10))]);
  ok(spun === "ended" && (await spinning).status === "timeout", "the other student's runaway loop was still running all along");

  const admin = await page.goto(`${base}/hub/admin`);
  ok(admin.status() === 403, "a student cannot open the hub's admin page", `status ${admin.status()}`);
  const api = await page.evaluate(async () => (await fetch("/hub/api/users")).status);
  ok(api === 403, "… nor list the users through the hub's API", `status ${api}`);
  const other = await page.goto(`${base}/user/${bob}/tree`);
  ok(!(other.ok() && new URL(page.url()).pathname.startsWith(`/user/${bob}/`)), "… nor open another student's server", page.url());
  const status = classroom(["status"]).stdout;
  ok(status.includes(alice) && status.includes(bob), "status lists the running students", status);
  k1.close();
  k2.close();
  await b.api(`kernels/${k2.id}`, { method: "DELETE" }); // end the spinning kernel: it would slow the grading

  // --- collect, update, grade
  classroom(["collect", "--out", out]);
  const mine = join(out, alice, CHAPTER);
  ok(existsSync(mine) && correct.test(readFileSync(mine, "utf8")), `collect copies the saved notebook into ${"<out>"}/<username>/`);
  ok(readdirSync(join(out, bob)).length === readdirSync(join(ROOT, "notebooks")).filter((f) => /^\d\d-.*\.ipynb$/.test(f)).length, "… every chapter of every student");
  const before = readFileSync(`/home/${alice}/mnist-course/notebooks/${CHAPTER}`);
  classroom(["update"]);
  ok(Buffer.compare(before, readFileSync(`/home/${alice}/mnist-course/notebooks/${CHAPTER}`)) === 0, "update keeps a notebook the student changed");
  // Grade as the students, in one step (collect + grade), the one chapter they worked on (to stay within the time
  // limit). Bob's chapter now tries to write outside its home: into root's home.
  const outside = [`/root/classroom-test-${tag}.txt`];
  const attack = { nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
    cells: outside.map((file, i) => ({ cell_type: "code", id: `w${i}`, metadata: {}, execution_count: null, outputs: [],
      source: `require("fs").writeFileSync(${JSON.stringify(file)}, "pwned");` })) };
  const bobsChapter = `/home/${bob}/mnist-course/notebooks/${CHAPTER}`;
  writeFileSync(bobsChapter, JSON.stringify(attack));
  spawnSync("chown", [`${bob}:`, bobsChapter]);
  const csv = join(state, "grades.csv");
  const report = join(state, "report.html");
  const g = classroom(["grade", "--csv", csv, "--html", report, "--chapters", CHAPTER.slice(0, 2), "--timeout", "150"], { allowFail: true, timeout: 240_000 });
  ok(g.status === 0 && existsSync(csv), "classroom grade collects and grades the class in one step", `${g.stdout}${g.stderr}`.slice(-800));
  ok(new RegExp(`▶ ${alice}/${CHAPTER.replace(".", "\\.")}  \\(as ${alice}\\)`).test(g.stderr), "… each notebook running as its own student, not as root", g.stderr.slice(-600));
  const rows = readFileSync(csv, "utf8").trim().split("\n");
  ok(rows[0].replace(/\s/g, "") === "student,notebook,exercise,status", "the class table has the columns student,notebook,exercise,status", rows[0]);
  const row = rows.find((r) => {
    const [student, notebook, id] = r.split(",");
    return student === alice && notebook?.startsWith(CHAPTER.slice(0, 3)) && id?.includes(exercise.id);
  });
  ok(row && row.endsWith(",correct"), "the answered exercise is graded correct", row ?? rows.slice(0, 5).join(" | "));
  const bobsRow = readFileSync(report, "utf8").split("<tr>").find((r) => r.includes(`<td>${bob}</td>`)) ?? "";
  ok(!existsSync(outside[0]) && /error in code cell 1/.test(bobsRow), "a notebook writing outside its home (into root's home) fails", bobsRow);
  ok(rows.some((r) => r.startsWith(`${bob},`)), "… and still gets its rows");

  // --- the idle culler: the teacher shortens the cull time on the running class; alice, idle since she
  // saved (her page has left the notebook), is stopped; her files stay and her next login starts afresh.
  const saved = readFileSync(`/home/${alice}/mnist-course/notebooks/${CHAPTER}`);
  await page.goto("about:blank");
  // (status is read before the cull time is shortened: with the short time the culler may stop alice at once)
  const idleLine = classroom(["status"]).stdout;
  ok(new RegExp(`${alice}\\s+running\\s+idle \\d+`).test(idleLine), "status shows how long each running student has been idle", idleLine);
  const tCull = Date.now();
  const shortened = classroom(["setup", "--roster", roster, "--cull-after", `${CULL_SECONDS}s`]).stdout;
  ok(new RegExp(`idle for ${CULL_SECONDS} s is stopped`).test(shortened), `setup --cull-after ${CULL_SECONDS}s says the new cull time`, shortened);
  let culled = false;
  while (!culled && Date.now() - tCull < (CULL_SECONDS + 60) * 1000) {
    await new Promise((r) => setTimeout(r, 2000));
    culled = !new RegExp(`${alice}\\s+running`).test(classroom(["status"]).stdout);
  }
  const alicePids = () => spawnSync("pgrep", ["-u", alice], { encoding: "utf8" }).stdout.trim();
  for (let i = 0; i < 20 && alicePids(); i++) await new Promise((r) => setTimeout(r, 500));
  ok(culled && !alicePids(), `the culler stops an idle student's server and its kernel (idle since she saved; stopped ${((Date.now() - tCull) / 1000).toFixed(0)} s after the cull time became ${CULL_SECONDS} s)`, alicePids());
  const afterCull = readFileSync(`/home/${alice}/mnist-course/notebooks/${CHAPTER}`);
  ok(Buffer.compare(saved, afterCull) === 0 && correct.test(afterCull.toString("utf8")), "the culled student's saved notebook is intact, answer and outputs included");
  classroom(["setup", "--roster", roster, "--cull-after", "30m"]); // back to a class-length time before she returns
  const again = new Student(base, alice);
  await again.login(passwords.get(alice));
  await again.openServer();
  const k3 = await again.kernel(CHAPTER);
  const back = await k3.execute(`console.log(require("fs").readFileSync("notebooks/${CHAPTER}", "utf8").includes("${exercise.id}: Correct!"))`, 90_000);
  k3.close();
  ok(back.status === "ok" && back.stdout.trim() === "true", "her next login starts a fresh server, whose kernel reads her saved notebook", JSON.stringify(back).slice(0, 300));

  // --- stop: hub, proxy and every student process gone
  classroom(["stop"]);
  const leftovers = [alice, bob].flatMap((n) => spawnSync("pgrep", ["-u", n], { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean));
  ok(leftovers.length === 0 && !existsSync(join(state, "hub", "jupyterhub-proxy.pid")), "stop ends the hub, the proxy and every student process", leftovers.join(" "));
}

try {
  await main();
  cleanup();
  ok([alice, bob].every((n) => spawnSync("getent", ["passwd", n]).status !== 0 && !existsSync(`/home/${n}`)), "the test accounts and their homes are removed");
  console.log(`classroom test passed: ${checks} checks in ${elapsed()}`);
  clearTimeout(watchdog);
  process.exit(0);
} catch (e) {
  console.error(`classroom test FAILED after ${elapsed()}: ${e.message}`);
  try {
    const log = join(state, "hub", "jupyterhub.log");
    if (existsSync(log)) console.error(`the end of the hub's log:\n${readFileSync(log, "utf8").split("\n").slice(-30).join("\n")}`);
  } catch {
    /* gone */
  }
  cleanup("failure");
  process.exit(1);
}
