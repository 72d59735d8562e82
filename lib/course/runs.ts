// Recorded runs: reading back the histories the command line writes (`npm run train -- … --json
// results/x.json`), to draw them beside the runs of a notebook (trainingCurves, runsTable in
// lib/course/curves.ts). Saving and loading trained networks is next door, in lib/nn/persist.ts.
import * as fs from "fs";
import type { EpochRecord, History } from "../train/callbacks";
import type { Run } from "./curves";

/**
 * A run recorded by the command line (`npm run train -- … --json results/x.json`, which writes
 * { options, history: [epoch records], stopped, final }), or any JSON holding a History.
 * The name defaults to the file's name without ".json".
 */
export function readRun(path: string, name?: string): Run & { history: History; options?: Record<string, unknown> } {
  if (!fs.existsSync(path)) throw new Error(`readRun: no such file: ${path} (record one with \`npm run train -- … --json ${path}\`)`);
  let parsed: any;
  try {
    parsed = JSON.parse(fs.readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`readRun: ${path} is not JSON: ${(e as Error).message}`);
  }
  const h = parsed?.history;
  const epochs: EpochRecord[] | null = Array.isArray(parsed?.epochs) ? parsed.epochs : Array.isArray(h) ? h : Array.isArray(h?.epochs) ? h.epochs : null;
  if (epochs === null) throw new Error(`readRun: ${path} holds no history (expected { history: [epoch records] } or { epochs: [...] })`);
  const stopped = parsed?.stopped ?? h?.stopped ?? null;
  return {
    name: name ?? (typeof parsed.name === "string" ? parsed.name : path.replace(/^.*[\\/]/, "").replace(/\.json$/, "")),
    history: { epochs, stopped },
    options: parsed.options ?? parsed.config,
  };
}

/** readRun, or null when the file is not there (yet): for notebooks that show a recording if one was made. */
export function readRunIfPresent(path: string, name?: string): (Run & { history: History; options?: Record<string, unknown> }) | null {
  return fs.existsSync(path) ? readRun(path, name) : null;
}
