// `npm run train` as a user runs it, for the command-line tests: tsx scripts/commands/train.ts in a child process.
import { execFile } from "node:child_process";
import * as path from "node:path";

const TSX = path.resolve("node_modules/.bin/tsx");

export interface Run { code: number; stdout: string; stderr: string }

/** Runs scripts/commands/train.ts with these arguments; resolves with its exit code (−1 if it was killed) and output. */
export function trainCli(args: string[], timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(TSX, ["scripts/commands/train.ts", ...args], { encoding: "utf8", timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
