// The idle culler's decisions (scripts/lib/classroom/culler.mjs), against a fake hub: a tiny local HTTP
// server that answers GET /users and DELETE /users/NAME/server the way JupyterHub 3's REST API does.
// (The culler on a real hub, stopping a real student's server: scripts/checks/classroom-test.mjs.)
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { createServer, type Server } from "http";
import type { AddressInfo } from "net";
import { tmpdir } from "os";
import { join } from "path";
import { afterEach, describe, expect, it } from "vitest";
import { checkEveryMs, cullOnce, currentCullAfter, formatDuration, parseDuration, serversToCull, type HubUser } from "../scripts/lib/classroom/culler.mjs";
import { hubConfig } from "../scripts/lib/classroom/hub.mjs";

const NOW = Date.parse("2026-12-05T14:00:00Z");
const ago = (minutes: number) => new Date(NOW - minutes * 60_000).toISOString();
const running = (name: string, idleMinutes: number): HubUser => ({ name, last_activity: ago(idleMinutes), servers: { "": { ready: true, pending: null, last_activity: ago(idleMinutes), started: ago(90) } } });

describe("the cull time", () => {
  it("reads 30m, 90s, 1h30m, a bare number as minutes, and off", () => {
    expect(parseDuration("30m")).toBe(30 * 60_000);
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("1h30m")).toBe(90 * 60_000);
    expect(parseDuration("45")).toBe(45 * 60_000);
    expect(parseDuration("2 min")).toBe(120_000);
    expect(parseDuration("off")).toBe(0);
  });
  it("refuses what is not a duration, and a time too short for the hub to hear of activity", () => {
    expect(() => parseDuration("soon")).toThrow(/--cull-after: expected a duration like 30m, 90s, 1h or off, found "soon"/);
    expect(() => parseDuration("30x")).toThrow(/found "30x"/);
    expect(() => parseDuration("3s")).toThrow(/at least 10s/);
  });
  it("is said in hours, minutes and seconds", () => {
    expect(formatDuration(40_000)).toBe("40 s");
    expect(formatDuration(750_000)).toBe("12 min 30 s");
    expect(formatDuration(3_900_000)).toBe("1 h 05 min");
  });
  it("checks a few times within the cull time, between 5 s and a minute", () => {
    expect(checkEveryMs(30 * 60_000)).toBe(60_000);
    expect(checkEveryMs(60_000)).toBe(15_000);
    expect(checkEveryMs(10_000)).toBe(5_000);
  });
  it("is read from settings.json at every check, so a teacher's change applies to a running class", () => {
    const dir = mkdtempSync(join(tmpdir(), "culler-"));
    try {
      const file = join(dir, "settings.json");
      expect(currentCullAfter(file, "30m")).toBe(30 * 60_000); // no file yet: the command line's
      writeFileSync(file, JSON.stringify({ memLimit: "3G", cullAfter: "15s" }));
      expect(currentCullAfter(file, "30m")).toBe(15_000);
      writeFileSync(file, JSON.stringify({ cullAfter: "off" }));
      expect(currentCullAfter(file, "30m")).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("which servers the culler stops", () => {
  it("a server idle at least the cull time, and no other", () => {
    const users = [running("ann", 31), running("bob", 29), running("cy", 30)];
    expect(serversToCull(users, NOW, 30 * 60_000).map((s) => [s.name, s.idleMs])).toEqual([["ann", 31 * 60_000], ["cy", 30 * 60_000]]);
  });
  it("never a server the hub is still starting or already stopping, nor a student without one", () => {
    const users: HubUser[] = [
      { name: "starting", servers: { "": { ready: false, pending: "spawn", last_activity: ago(99) } } },
      { name: "stopping", servers: { "": { ready: true, pending: "stop", last_activity: ago(99) } } },
      { name: "none", last_activity: ago(99), servers: {} },
      { name: "old", last_activity: ago(99) },
    ];
    expect(serversToCull(users, NOW, 60_000)).toEqual([]);
  });
  it("uses the server's own activity before the user's (a login does not keep an idle server alive)", () => {
    const ann: HubUser = { name: "ann", last_activity: ago(1), servers: { "": { ready: true, last_activity: ago(45) } } };
    expect(serversToCull([ann], NOW, 30 * 60_000).map((s) => s.name)).toEqual(["ann"]);
  });
  it("a server with no time at all is not stopped; culling off stops nothing", () => {
    expect(serversToCull([{ name: "x", servers: { "": { ready: true } } }], NOW, 60_000)).toEqual([]);
    expect(serversToCull([running("ann", 600)], NOW, 0)).toEqual([]);
  });
});

describe("a culling round against a fake hub", () => {
  let server: Server | null = null;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  /** A hub with these users; records each request; DELETE answers `deleteStatus(name)`. */
  async function fakeHub(users: HubUser[], deleteStatus: (name: string) => number = () => 204) {
    const seen: string[] = [];
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      if (req.headers.authorization !== "token secret") return res.writeHead(403).end('{"message":"forbidden"}');
      if (req.method === "GET" && req.url === "/hub/api/users") return res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(users));
      const m = /^\/hub\/api\/users\/([^/]+)\/server$/.exec(req.url ?? "");
      if (req.method === "DELETE" && m) return res.writeHead(deleteStatus(decodeURIComponent(m[1]))).end();
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
    return { api: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/hub/api`, seen };
  }

  it("stops exactly the idle servers, with the service's token", async () => {
    const hub = await fakeHub([running("ann", 40), running("bob", 5), running("cy", 31)]);
    const r = await cullOnce({ api: hub.api, token: "secret", cullAfterMs: 30 * 60_000, now: NOW });
    expect(r.culled.map((c) => c.name)).toEqual(["ann", "cy"]);
    expect(r.failed).toEqual([]);
    expect(hub.seen).toEqual(["GET /hub/api/users token secret", "DELETE /hub/api/users/ann/server token secret", "DELETE /hub/api/users/cy/server token secret"]);
  });
  it("counts a stop the hub accepted for later (202) as done, and reports a refusal by name", async () => {
    const hub = await fakeHub([running("ann", 40), running("bob", 40)], (name) => (name === "ann" ? 202 : 403));
    const r = await cullOnce({ api: hub.api, token: "secret", cullAfterMs: 30 * 60_000, now: NOW });
    expect(r.culled.map((c) => c.name)).toEqual(["ann"]);
    expect(r.failed).toEqual([{ name: "bob", status: 403 }]);
  });
  it("says what the hub answered when it refuses the list", async () => {
    const hub = await fakeHub([running("ann", 40)]);
    await expect(cullOnce({ api: hub.api, token: "wrong", cullAfterMs: 60_000, now: NOW })).rejects.toThrow(/GET .*\/hub\/api\/users answered 403: \{"message":"forbidden"\}/);
    expect(hub.seen).toHaveLength(1); // nothing deleted
  });
});

describe("the culler in the hub's configuration", () => {
  const base = { state: "/srv/c", students: ["ann"], proxyCommand: "/p", nodeBin: "/srv/c/shared/bin", memLimitBytes: 2 ** 30, maxProcesses: 512, threads: 1 };
  it("runs as a hub service with a role holding only the scopes it needs", () => {
    const config = hubConfig({ ...base, cullerCommand: ["/srv/c/shared/bin/node", "/srv/c/hub/culler.mjs", "--settings", "/srv/c/hub/settings.json"], activitySeconds: 20 });
    expect(config).toContain('c.JupyterHub.services.append({"name": "classroom-culler", "command": ["/srv/c/shared/bin/node","/srv/c/hub/culler.mjs","--settings","/srv/c/hub/settings.json"]})');
    expect(config).toContain('"scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"], "services": ["classroom-culler"]');
    expect(config).toContain("c.JupyterHub.last_activity_interval = 20");
    expect(config).toContain('"JUPYTERHUB_ACTIVITY_INTERVAL": "20"');
  });
  it("gives the students' servers glibc settings that return freed memory (MALLOC_ARENA_MAX, a fixed mmap threshold)", () => {
    const config = hubConfig(base);
    expect(config).toContain('"MALLOC_ARENA_MAX": "2"');
    expect(config).toContain('"MALLOC_MMAP_THRESHOLD_": "131072"');
  });
  it("has no culler service when none is given", () => {
    expect(hubConfig(base)).not.toContain("classroom-culler");
  });
});
