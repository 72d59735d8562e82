// Makes the MNIST subset the playground trains on, small enough to travel inside a page.
// Run from the project root:  npx tsx scripts/generate/make-playground-data.ts
//
//   data/mnist-playground/train-images-idx3-ubyte.gz   the first 5,000 training images (IDX, gzip)
//   data/mnist-playground/train-labels-idx1-ubyte.gz   their labels
//   data/mnist-playground/t10k-images-idx3-ubyte.gz    the first 1,000 test images
//   data/mnist-playground/t10k-labels-idx1-ubyte.gz    their labels
//
// Deterministic: gzip writes no time stamp and the OS byte is fixed, so the same input gives the same bytes.
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { encodeIdx, readIdx } from "../../lib/data/idx";
import { mnistFiles } from "../../lib/data/mnist";

export const PLAYGROUND_ROWS = { train: 5000, test: 1000 } as const;
const OUT = path.join(process.cwd(), "data", "mnist-playground");

fs.mkdirSync(OUT, { recursive: true });
for (const split of ["train", "test"] as const) {
  const files = mnistFiles(split);
  for (const file of [files.images, files.labels]) {
    const first = readIdx(file, { limit: PLAYGROUND_ROWS[split] });
    const gz = zlib.gzipSync(encodeIdx(first.dims, first.data as Uint8Array), { level: 9 });
    gz[9] = 3; // OS byte: Unix, whatever machine made it
    const target = path.join(OUT, `${path.basename(file)}.gz`);
    fs.writeFileSync(target, gz);
    console.log(`${path.relative(process.cwd(), target)}  ${first.dims.join("×")}  ${gz.length} bytes`);
  }
}
