// The free name `process` in the page's bundles (esbuild injects it into build/widgets.js and into the runner's
// worker, scripts/lib/widget-bundle.mjs and runner-bundle.mjs; lib/files.ts calls process.on when it loads): the
// working directory is the book's root, one thread, and the environment the library reads (MNIST_*) empty.

/** The working directory: the project root, as in the tslab kernel (the runner's files live under it, web/runner/vfs.ts). */
export const CWD = "/book";

export const process = {
  env: { MNIST_THREADS: "1" } as Record<string, string | undefined>,
  cwd: () => CWD,
  versions: { v8: "browser" } as Record<string, string>,
  platform: "browser",
  argv: [] as string[],
  hrtime: Object.assign((prev?: [number, number]): [number, number] => {
    const t = performance.now();
    const s = Math.floor(t / 1000);
    const ns = Math.round((t - s * 1000) * 1e6);
    return prev ? [s - prev[0], ns - prev[1]] : [s, ns];
  }, { bigint: () => BigInt(Math.round(performance.now() * 1e6)) }),
  memoryUsage: () => ({ heapUsed: 0, rss: 0 }),
  on: () => undefined,
  exit: () => {
    throw new Error("process.exit is not available in the book's page");
  },
  stdout: { write: (s: string) => console.log(String(s).replace(/\n$/, "")) },
  stderr: { write: (s: string) => console.error(String(s).replace(/\n$/, "")) },
};
