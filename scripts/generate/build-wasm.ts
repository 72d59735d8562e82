// Builds lib/engine/wasm/gemm.wasm and lib/engine/wasm/gemm-relaxed.wasm from their AssemblyScript source lib/engine/wasm/assembly/gemm.ts.
// The two differ in one thing (lib/engine/wasm/assembly/madd.ts): gemm-relaxed.wasm is built with relaxed SIMD and
// does its multiply-adds as fused f32x4.relaxed_madd; lib/engine/wasm/load.ts uses it where the engine has relaxed SIMD.
//
//   npx tsx scripts/generate/build-wasm.ts           rebuild and write both
//   npx tsx scripts/generate/build-wasm.ts --check   rebuild in memory and fail if either differs from the committed file
//
// The .wasm is committed (the library loads it without any build step); test/wasm.test.ts rebuilds it
// and checks that the bytes are identical, so the binary always matches the source beside it.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../../lib/files";
import { parseCommandLine } from "../lib/cli.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const WASM_SOURCE = "lib/engine/wasm/assembly/gemm.ts";
export const WASM_OUTPUT = "lib/engine/wasm/gemm.wasm";
export const WASM_RELAXED_OUTPUT = "lib/engine/wasm/gemm-relaxed.wasm";

/** The compiler flags. Memory is imported (env.memory) and shared, so worker threads can run on the same data. */
export const ASC_FLAGS = [
  "--optimizeLevel", "3",
  "--shrinkLevel", "0",
  "--noAssert",
  "--runtime", "stub", //          no garbage collector: the kernels only read and write raw memory
  "--enable", "simd,threads", //    128-bit SIMD (f32x4), shared memory
  "--importMemory",
  "--sharedMemory",
  "--initialMemory", "1",
  "--maximumMemory", "65536", //   up to 4 GiB; lib/engine/wasm/kernels.ts decides how much it really uses
  "--noExportMemory",
  "--noColors",
];

/** The part of the AssemblyScript compiler's API used here (its own .d.ts would redeclare globals like `console`). */
interface Asc {
  main(argv: string[], options: {
    readFile(name: string, baseDir: string): string | null;
    writeFile(name: string, contents: Uint8Array | string): void;
    listFiles(): string[];
    stdout: { write(s: string | Uint8Array): void };
    stderr: { write(s: string | Uint8Array): void };
  }): Promise<{ error: Error | null }>;
}

/** Compiles the AssemblyScript source and returns the WebAssembly bytes (nothing is written); relaxed: with relaxed SIMD. */
export async function buildGemmWasm(relaxed = false): Promise<Uint8Array> {
  const compiler: string = "assemblyscript/asc"; // a variable, so that tsc does not load the compiler's types
  const asc = ((await import(compiler)) as { default: Asc }).default;
  let binary: Uint8Array | null = null;
  const errors: string[] = [];
  const result = await asc.main([WASM_SOURCE, "--outFile", "gemm.wasm", ...ASC_FLAGS, ...(relaxed ? ["--enable", "relaxed-simd"] : [])], {
    readFile: (name: string, baseDir: string) => {
      try {
        return readFileSync(resolve(root, baseDir, name), "utf8");
      } catch {
        return null;
      }
    },
    writeFile: (name: string, contents: Uint8Array | string) => {
      if (name.endsWith(".wasm") && typeof contents !== "string") binary = contents;
    },
    listFiles: () => [],
    stdout: { write: (s: string | Uint8Array) => void errors.push(String(s)) },
    stderr: { write: (s: string | Uint8Array) => void errors.push(String(s)) },
  });
  if (result.error !== null || binary === null) {
    throw new Error(`build-wasm: asc could not compile ${WASM_SOURCE}: ${result.error?.message ?? "no output"}\n${errors.join("")}`);
  }
  return binary;
}

async function main(): Promise<void> {
  const { values } = parseCommandLine("build-wasm", {
    options: { check: { type: "boolean" } },
    help: "Usage: npx tsx scripts/generate/build-wasm.ts [--check]\n\nRebuilds lib/engine/wasm/gemm*.wasm from their source (--check: fail if a committed file differs).",
  });
  for (const [output, relaxed] of [[WASM_OUTPUT, false], [WASM_RELAXED_OUTPUT, true]] as const) {
    const bytes = await buildGemmWasm(relaxed);
    const out = join(root, output);
    if (values.check) {
      const committed = readFileSync(out);
      if (!Buffer.from(bytes).equals(committed)) {
        console.error(`build-wasm: ${output} does not match ${WASM_SOURCE}; run npx tsx scripts/generate/build-wasm.ts`);
        process.exit(1);
      }
      console.log(`build-wasm: ${output} matches its source (${bytes.length} bytes)`);
      continue;
    }
    writeFileAtomic(out, bytes);
    console.log(`build-wasm: wrote ${output} (${bytes.length} bytes)`);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
