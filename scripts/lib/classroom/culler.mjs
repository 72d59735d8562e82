#!/usr/bin/env node
// The idle culler: a service the hub runs (c.JupyterHub.services, with its own token and a role that may
// list the users, read their activity and servers, and stop servers). Every few seconds it asks the hub
// for its users and stops each student server idle longer than the teacher's time (`classroom setup
// --cull-after 30m`). Only the server stops: the student's files stay in their home, and their next login
// starts a fresh server. No packaged culler was reachable here (Debian has none, PyPI is unreachable).
//
// "Idle" is the hub's last_activity for the server: the single-user server reports its latest API
// request or kernel message every JUPYTERHUB_ACTIVITY_INTERVAL seconds, and the proxy its latest traffic.
// A cell that computes for longer than the cull time without printing anything counts as idle (as with
// jupyterhub-idle-culler): keep the time well above the course's longest silent cell.
//
// Run by the hub as: node culler.mjs --settings STATE/hub/settings.json (it reads cullAfter from there
// at every check, so `classroom setup --cull-after …` applies to a running class at once).

import { readFileSync } from "node:fs";
import { resolve } from "node:path";

export const DEFAULT_CULL_AFTER = "30m";

/**
 * A duration for --cull-after: "30m", "90s", "1h", "1h30m", a bare number as minutes, or "off" (0: never
 * cull). Returns milliseconds; throws saying what was expected and what was found.
 */
export function parseDuration(text, option = "--cull-after") {
  const s = String(text).trim().toLowerCase();
  if (s === "off" || s === "0") return 0;
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 60_000);
  const unit = { h: 3_600_000, m: 60_000, min: 60_000, s: 1000 };
  const parts = [...s.matchAll(/(\d+(?:\.\d+)?)\s*(h|min|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("").replace(/\s/g, "") !== s.replace(/\s/g, "")) {
    throw new Error(`${option}: expected a duration like 30m, 90s, 1h or off, found "${text}"`);
  }
  const ms = Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * unit[p[2]], 0));
  if (ms < 10_000) throw new Error(`${option}: expected at least 10s (the hub hears of activity every few seconds), found "${text}"`);
  return ms;
}

/** "1 h 05 min", "12 min 30 s", "40 s": a duration for people. */
export function formatDuration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  if (h > 0) return `${h} h ${String(m).padStart(2, "0")} min`;
  if (m > 0) return `${m} min ${String(sec).padStart(2, "0")} s`;
  return `${sec} s`;
}

/**
 * How long each running server has been idle: [{ name, idleMs, lastActivity }] for every user whose default
 * server is up and not starting or stopping (a server the hub is still spawning or already stopping is left
 * alone). The server's own last_activity, else the user's, else when it started; `now` in milliseconds.
 */
export function serverIdleness(users, now) {
  const out = [];
  for (const u of users) {
    const s = u.servers?.[""];
    if (!s || !s.ready || s.pending) continue;
    const stamp = s.last_activity ?? u.last_activity ?? s.started;
    const t = stamp ? Date.parse(stamp) : NaN;
    // No time at all: count it as idle since now, so a server is never stopped on a missing field.
    out.push({ name: u.name, idleMs: Number.isFinite(t) ? Math.max(0, now - t) : 0, lastActivity: stamp ?? null });
  }
  return out;
}

/** The servers to stop: idle at least cullAfterMs (0 = never). */
export function serversToCull(users, now, cullAfterMs) {
  if (!(cullAfterMs > 0)) return [];
  return serverIdleness(users, now).filter((s) => s.idleMs >= cullAfterMs);
}

/** How often to look, for a cull time: a quarter of it, between 5 s and 60 s. */
export const checkEveryMs = (cullAfterMs) => Math.min(60_000, Math.max(5_000, Math.floor(cullAfterMs / 4)));

/**
 * One round: ask the hub (api = ".../hub/api") for its users, stop the idle servers. Returns
 * { culled: [{ name, idleMs }], failed: [{ name, status }] }. A server already stopping (the hub answers
 * 202) counts as culled; the next round no longer sees it as running.
 */
export async function cullOnce({ api, token, cullAfterMs, now = Date.now(), fetchImpl = fetch }) {
  const headers = { Authorization: `token ${token}` };
  const res = await fetchImpl(`${api}/users`, { headers, signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`GET ${api}/users answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  const users = await res.json();
  const culled = [];
  const failed = [];
  for (const s of serversToCull(users, now, cullAfterMs)) {
    const r = await fetchImpl(`${api}/users/${encodeURIComponent(s.name)}/server`, { method: "DELETE", headers, signal: AbortSignal.timeout(60_000) });
    await r.text();
    if (r.status === 204 || r.status === 202) culled.push({ name: s.name, idleMs: s.idleMs });
    else failed.push({ name: s.name, status: r.status });
  }
  return { culled, failed };
}

/** The cull time now in force: settings.json's cullAfter, else the command line's, else the default. */
export function currentCullAfter(settingsFile, fallback) {
  try {
    const value = JSON.parse(readFileSync(settingsFile, "utf8")).cullAfter;
    if (value !== undefined) return parseDuration(value);
  } catch {
    /* no file or no field: the fallback */
  }
  return parseDuration(fallback ?? DEFAULT_CULL_AFTER);
}

async function main(argv) {
  const arg = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const api = (process.env.JUPYTERHUB_API_URL ?? "").replace(/\/$/, "");
  const token = process.env.JUPYTERHUB_API_TOKEN;
  if (!api || !token) throw new Error("the culler runs as a hub service: JUPYTERHUB_API_URL and JUPYTERHUB_API_TOKEN must be set");
  const settings = arg("--settings");
  const fallback = arg("--cull-after");
  const say = (m) => process.stdout.write(`[classroom-culler ${new Date().toISOString()}] ${m}\n`);
  let cullAfterMs = currentCullAfter(settings, fallback);
  say(cullAfterMs ? `stopping servers idle for ${formatDuration(cullAfterMs)} or more` : "culling is off");
  let last = 0;
  const hub = process.ppid;
  for (;;) {
    if (process.ppid !== hub) {
      say("the hub that started this culler is gone: stopping");
      return;
    }
    const current = currentCullAfter(settings, fallback);
    if (current !== cullAfterMs) say(`the cull time is now ${current ? formatDuration(current) : "off"}`);
    cullAfterMs = current;
    if (cullAfterMs > 0 && Date.now() - last >= checkEveryMs(cullAfterMs)) {
      last = Date.now();
      try {
        const r = await cullOnce({ api, token, cullAfterMs });
        for (const c of r.culled) say(`stopped ${c.name}'s server, idle ${formatDuration(c.idleMs)}`);
        for (const f of r.failed) say(`could not stop ${f.name}'s server: the hub answered ${f.status}`);
      } catch (e) {
        say(`could not ask the hub: ${e.message}`);
      }
    }
    await new Promise((r) => setTimeout(r, 2_000)); // short naps, so a new cull time applies within seconds
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`classroom-culler: ${e.message}\n`);
    process.exit(1);
  });
}
