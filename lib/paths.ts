// Finding the project's files from wherever the code runs (the tslab kernel, vitest and tsx all run in the
// project root or below it).
import { existsSync } from "fs";
import { dirname, join } from "path";

/** The first `<folder>/<relative>` that exists, for `from` (default: the working directory) and each folder above it; null if none. */
export function findUpward(relative: string, from: string = process.cwd()): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return null;
  }
}
