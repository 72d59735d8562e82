// A server started through npm and tsx ends with its command (issue 28): npm → sh → tsx → the script. A killed npm
// takes sh with it, but tsx does not notice its own parent going; onParentGone(…, { throughWrapper: true }) watches
// the wrapper's parent too (what `npm run book -- --serve` uses).
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeline-wrapper-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(ok: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) if (ok()) return true;
  return ok();
}

describe.runIf(process.platform === "linux")("onParentGone through a wrapper", () => {
  it("a script run by tsx under sh ends when sh is killed with SIGKILL (tsx itself stays unaware)", async () => {
    const script = path.join(dir, "serve.ts");
    const pidFile = path.join(dir, "pid");
    const lifeline = JSON.stringify(path.resolve("scripts/lib/lifeline.mjs"));
    fs.writeFileSync(script, `import { writeFileSync } from "node:fs";
import { onParentGone } from ${lifeline};
onParentGone(() => process.exit(0), 100, { throughWrapper: true });
writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));
setInterval(() => {}, 1000); // a server would be serving here
`);
    const sh = spawn("sh", ["-c", `${path.resolve("node_modules/.bin/tsx")} ${script}; true`], { stdio: "ignore" });
    expect(await until(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, "utf8") !== "", 30_000)).toBe(true);
    const pid = Number(fs.readFileSync(pidFile, "utf8"));
    expect(alive(pid)).toBe(true);
    sh.kill("SIGKILL");
    const ended = await until(() => !alive(pid), 10_000);
    if (!ended) process.kill(pid, "SIGKILL"); // leave nothing behind, then fail
    expect(ended).toBe(true);
  }, 60_000);
});
