// The class on one server, under load: N simulated students log in over loopback, start their servers,
// and all run chapter 5 at the same moment. Reports, for N = 1, 4, 8: when the last one finished, the
// failures, and the peak memory of each student's processes (their server and kernel): RSS summed, and PSS
// (each shared page counted once across the processes that map it: the node and Python binaries and libraries
// are in memory once for the whole class), with the Notebook server's and the kernel's parts.
// Run: npm run bench -- classroom   (as root on Debian/Ubuntu; elsewhere it says why it skips)
// Options (environment): CLASSROOM_BENCH_N="1,4,8" (at most 16 in all), CLASSROOM_BENCH_SECONDS=900.
import { spawnSync } from "child_process";
import { randomBytes } from "crypto";
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "fs";
import { cpus, loadavg, tmpdir, totalmem } from "os";
import { join } from "path";

interface Channel { execute(code: string, ms?: number): Promise<{ status: string; error: string }>; close(): void; id: string; closed: boolean; drops: { afterSeconds: number; how: string }[] }
interface StudentClient {
  login(password: string): Promise<boolean>;
  openServer(ms?: number): Promise<boolean>;
  kernel(path?: string): Promise<Channel>;
  api(path: string, init?: { method?: string }): Promise<{ status: number }>;
}
interface ClientModule {
  Student: new (base: string, name: string) => StudentClient;
  runNotebook(channel: Channel, notebook: unknown, ms?: number): Promise<{ ok: boolean; seconds: number; failed: { index: number; error: string } | null }>;
}

const ROOT = process.cwd(); // npm runs the benchmarks in the project root
const CHAPTER = "05-three-optimizers.ipynb";
const MiB = 1024 * 1024;
const TICKS = 100; // clock ticks per second in /proc/PID/stat (USER_HZ, 100 on Linux)

function uidOf(name: string): number | null {
  const r = spawnSync("id", ["-u", name], { encoding: "utf8" });
  return r.status === 0 ? Number(r.stdout.trim()) : null;
}

interface Mem { rss: number; pss: number; serverPss: number; kernelPss: number; cpu: number }

/** Memory of every process of each uid, from /proc: RSS and PSS summed, the PSS of the server and the kernel, and the CPU seconds used. */
function memByUid(uids: Set<number>): Map<number, Mem> {
  const out = new Map<number, Mem>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const uid = statSync(`/proc/${entry}`).uid;
      if (!uids.has(uid)) continue;
      const rollup = readFileSync(`/proc/${entry}/smaps_rollup`, "utf8");
      const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(rollup)?.[1] ?? 0) * 1024;
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      const m = out.get(uid) ?? { rss: 0, pss: 0, serverPss: 0, kernelPss: 0, cpu: 0 };
      m.cpu += (Number(stat[11] ?? 0) + Number(stat[12] ?? 0)) / TICKS; // utime + stime
      m.rss += kb("Rss");
      m.pss += kb("Pss");
      if (cmd.includes("jupyterhub-singleuser")) m.serverPss += kb("Pss");
      else if (cmd.includes("tslab")) m.kernelPss += kb("Pss");
      out.set(uid, m);
    } catch {
      /* gone */
    }
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;

export async function run(): Promise<void> {
  if (process.platform !== "linux" || process.getuid?.() !== 0) {
    console.log("classroom: skipped — it needs root on Linux (it creates the simulated students' accounts)");
    return;
  }
  const rounds = (process.env.CLASSROOM_BENCH_N ?? "1,4,8").split(",").map(Number);
  const total = rounds.reduce((a, b) => a + b, 0);
  if (rounds.some((n) => !Number.isInteger(n) || n < 1) || total > 16) {
    console.log(`classroom: CLASSROOM_BENCH_N must list whole numbers ≥ 1 adding up to at most 16; found "${process.env.CLASSROOM_BENCH_N}"`);
    return;
  }
  const limitMs = Number(process.env.CLASSROOM_BENCH_SECONDS ?? 900) * 1000;
  const began = Date.now();
  const client = (await import("../scripts/lib/classroom/client.mjs" as string)) as ClientModule;
  const state = mkdtempSync(join(tmpdir(), "mnist-classroom-bench-"));
  chmodSync(state, 0o755);
  const tag = randomBytes(2).toString("hex");
  const names = Array.from({ length: total }, (_, i) => `mnb${tag}-${i + 1}`);
  const classroom = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, "scripts", "commands", "classroom.mjs"), ...args, "--state", state], { encoding: "utf8", timeout: 300_000 });
  const teardown = () => {
    const r = classroom("teardown", "--yes");
    if (r.status !== 0) console.error(`classroom teardown failed:\n${r.stdout}${r.stderr}`);
    rmSync(state, { recursive: true, force: true });
  };
  const onSignal = () => {
    teardown();
    process.exit(1);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    writeFileSync(join(state, "roster.csv"), ["username", ...names].join("\n") + "\n");
    let r = classroom("setup", "--roster", join(state, "roster.csv"));
    if (r.status !== 0) throw new Error(`setup failed:\n${r.stderr}`);
    const port = 20000 + Math.floor(Math.random() * 30000);
    r = classroom("start", "--port", String(port));
    if (r.status !== 0) throw new Error(`start failed:\n${r.stderr}`);
    const base = `http://127.0.0.1:${port}`;
    const passwords = new Map(readFileSync(join(state, "passwords.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(",") as [string, string]));
    const notebook = JSON.parse(readFileSync(join(ROOT, "notebooks", CHAPTER), "utf8"));
    console.log(`${CHAPTER} run by N students at once through one hub on this machine (${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB);`);
    console.log("each student: log in, start a server, open a kernel, then all run every code cell together.");
    console.log("peak memory per student (MiB, median / max): RSS summed over their processes; PSS (shared pages split between");
    console.log("the processes mapping them), in all and for the Notebook server and the kernel.");
    console.log("  N | load | last done (s) | median (s) | failures | RSS peak  | PSS peak  | server PSS | kernel PSS | slowest server start (s) | CPU s per student");
    console.log("  (CPU s: what the student's server and kernel used from their start to the end of the chapter, median / max)");
    let next = 0;
    for (const n of rounds) {
      const group = names.slice(next, next + n);
      next += n;
      const left = limitMs - (Date.now() - began);
      if (left < 60_000) {
        console.log(`${String(n).padStart(3)} | skipped: the benchmark's time limit is near`);
        continue;
      }
      const students = group.map((name) => ({ name, client: new client.Student(base, name), uid: uidOf(name)! }));
      const startTimes: number[] = [];
      const warmFailures: string[] = [];
      const load = loadavg()[0];
      // A student who cannot get as far as a warm kernel is a failure of the round, not the end of the benchmark.
      const channels = await Promise.all(
        students.map(async (s): Promise<Channel | null> => {
          const t0 = Date.now();
          let step = "log in";
          try {
            await s.client.login(passwords.get(s.name)!);
            step = "start the server";
            await s.client.openServer(180_000);
            startTimes.push((Date.now() - t0) / 1000);
            step = "open a kernel";
            const channel = await s.client.kernel(CHAPTER);
            const warm = await channel.execute("1 + 1", 120_000); // the kernel is up and answering
            if (warm.status !== "ok") warmFailures.push(`${s.name}: the first "1 + 1" failed (${warm.status}): ${warm.error.slice(0, 300)}`);
            return channel;
          } catch (e) {
            warmFailures.push(`${s.name}: could not ${step} (at ${new Date().toISOString()}, ${((Date.now() - t0) / 1000).toFixed(1)} s after logging in began): ${(e as Error).message.slice(0, 300)}`);
            return null;
          }
        }),
      );
      const uids = new Set(students.map((s) => s.uid));
      const peak = new Map<number, Mem>();
      const sampler = setInterval(() => {
        for (const [uid, m] of memByUid(uids)) {
          const p = peak.get(uid) ?? { rss: 0, pss: 0, serverPss: 0, kernelPss: 0, cpu: 0 };
          peak.set(uid, { rss: Math.max(p.rss, m.rss), pss: Math.max(p.pss, m.pss), serverPss: Math.max(p.serverPss, m.serverPss), kernelPss: Math.max(p.kernelPss, m.kernelPss), cpu: Math.max(p.cpu, m.cpu) });
        }
      }, 500);
      const t0 = Date.now();
      const results = await Promise.all(channels.map((c) => (c ? client.runNotebook(c, notebook, Math.min(600_000, left - 30_000)) : { ok: true, seconds: NaN, failed: null })));
      clearInterval(sampler);
      const last = (Date.now() - t0) / 1000;
      const failures = results.filter((x) => !x.ok);
      // the CPU seconds once more, now that every cell has run (the sampler may have missed the last half second)
      for (const [uid, m] of memByUid(uids)) { const p = peak.get(uid); if (p) p.cpu = Math.max(p.cpu, m.cpu); }
      const cpuText = () => {
        const xs = students.map((s) => peak.get(s.uid)?.cpu ?? 0);
        return `${median(xs).toFixed(1)} / ${Math.max(...xs).toFixed(1)}`;
      };
      const mem = (key: keyof Mem) => {
        const xs = students.map((s) => (peak.get(s.uid)?.[key] ?? 0) / MiB);
        return `${median(xs).toFixed(0)} / ${Math.max(...xs).toFixed(0)}`;
      };
      console.log(
        `${String(n).padStart(3)} | ${load.toFixed(1).padStart(4)} | ${last.toFixed(1).padStart(13)} | ${median(results.map((x) => x.seconds).filter((x) => !Number.isNaN(x))).toFixed(1).padStart(10)} | ${String(failures.length + warmFailures.length).padStart(8)} | ${mem("rss").padStart(9)} | ${mem("pss").padStart(9)} | ${mem("serverPss").padStart(10)} | ${mem("kernelPss").padStart(10)} | ${Math.max(...startTimes).toFixed(1).padStart(10)} | ${cpuText()}`,
      );
      for (const f of warmFailures) console.log(`      failure: ${f}`);
      for (const [i, f] of results.entries()) if (!f.ok) console.log(`      failure: ${students[i].name}: cell ${f.failed?.index}: ${f.failed?.error.slice(0, 400)}`);
      for (const [i, c] of channels.entries()) for (const d of c?.drops ?? []) console.log(`      ${students[i].name}'s websocket dropped after ${d.afterSeconds.toFixed(1)} s: ${d.how}${c?.closed ? "" : " (reconnected)"}`);
      if (failures.length + warmFailures.length > 0 || channels.some((c) => c === null || c.drops.length > 0)) {
        // The servers log into the hub's log: what they said about websockets and kernels tells who closed it
        // (a ping timeout, an exception while opening the channel, a kernel that died or restarted).
        const log = join(state, "hub", "jupyterhub.log");
        const said = existsSync(log) ? readFileSync(log, "utf8").split("\n").filter((l) => /websocket|ping timeout|Uncaught exception|Error opening stream|died|restart|Timeout waiting for kernel_info|Traceback/i.test(l)) : [];
        for (const l of said.slice(-20)) console.log(`      hub log: ${l.slice(0, 300)}`);
        if (existsSync(log)) {
          const kept = join(tmpdir(), `mnist-classroom-bench-${tag}-N${n}.log`);
          copyFileSync(log, kept);
          console.log(`      the hub's whole log (hub, proxy and servers) is kept in ${kept}`);
        }
      }
      // Free the machine for the next round: close each kernel (the idle servers stay until the end).
      await Promise.all(students.map(async (s, i) => {
        const c = channels[i];
        if (!c) return;
        c.close();
        await s.client.api(`kernels/${c.id}`, { method: "DELETE" });
      }));
    }
    console.log("Figures from a machine shared with other work are upper bounds; run it on the class's server.");
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    teardown();
    if (existsSync(state)) rmSync(state, { recursive: true, force: true });
  }
}
