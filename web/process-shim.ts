// The free name `process` in the page's bundle (esbuild injects it, scripts/lib/widget-bundle.mjs): lib/files.ts
// registers a process.on("exit") clean-up when it loads, and lib/ reads its MNIST_* environment. One thread here.
export const process = {
  env: { MNIST_THREADS: "1" } as Record<string, string | undefined>,
  cwd: () => "/",
  platform: "browser",
  argv: [] as string[],
  on: () => undefined,
};
