// "No hidden allocation in hot loops": once warmed up, a training step allocates no new matrices.
//
// How it is measured: the Matrix constructor increments the static counter Matrix.created (every matrix,
// views included, goes through the constructor: zeros, fromRows, clone, rowRange…). We read the counter
// before and after some steps; the difference is the number of matrices those steps created. The test
// also checks that the layers hand back the very same buffer objects from step to step.
import { describe, expect, it } from "vitest";
import { Matrix } from "../lib/core/matrix";
import { addScaled } from "../lib/core/ops";
import { Random } from "../lib/core/random";
import { softmaxCrossEntropy } from "../lib/nn/losses";
import { mlp } from "../lib/nn/models";
import { Sequential } from "../lib/nn/sequential";

function batch(rows: number, rng: Random): { x: Matrix; y: Matrix } {
  const x = Matrix.zeros(rows, 784);
  for (let i = 0; i < x.data.length; i++) x.data[i] = rng.next() < 0.8 ? 0 : rng.next(); // MNIST-like: mostly zeros
  const y = Matrix.zeros(rows, 10);
  for (let i = 0; i < rows; i++) y.set(i, rng.int(10), 1);
  return { x, y };
}

/** One step of mini-batch gradient descent: forward, loss, backward, W ← W − α·dW. Returns the logits buffer. */
function step(net: Sequential, x: Matrix, y: Matrix, gradBuffer: Matrix): Matrix {
  const logits = net.forward(x, true);
  const { grad } = softmaxCrossEntropy(logits, y, gradBuffer);
  net.backward(grad);
  for (const p of net.params()) addScaled(p.value, p.grad, -0.1, p.value);
  return logits;
}

describe("allocation", () => {
  it("a forward+backward step of 784-256-10 on a 64-row batch creates no new matrices after the first step", () => {
    const rng = new Random(1);
    const net = mlp([784, 256, 10], { seed: 1 });
    const { x, y } = batch(64, rng);
    const grad = Matrix.zeros(64, 10);

    const before = Matrix.created;
    const logits = step(net, x, y, grad); // the first step allocates the layers' buffers
    expect(Matrix.created - before).toBeGreaterThan(0);

    const warm = Matrix.created;
    for (let i = 0; i < 5; i++) expect(step(net, x, y, grad)).toBe(logits); // the same output buffer every time
    expect(Matrix.created - warm).toBe(0);
  });

  it("a new batch size makes exactly the batch-sized buffers once; the last three sizes are kept", () => {
    const rng = new Random(2);
    const net = mlp([784, 256, 10], { seed: 2 });
    const b64 = batch(64, rng), b32 = batch(32, rng);
    const grad64 = Matrix.zeros(64, 10), grad32 = Matrix.zeros(32, 10);
    step(net, b64.x, b64.y, grad64);

    const before = Matrix.created;
    step(net, b32.x, b32.y, grad32);
    // Dense 784→256 and the ReLU after it, one pass (Sequential): A = max(0, Z) (32×256), in the Dense layer's buffer;
    // Dense 256→10: Z (32×10) and dX (32×256), which is the ReLU's dZ (its backward is inside this layer's).
    // Not reallocated: weights and their gradients (no batch dimension), and the first Dense's dX (never computed).
    expect(Matrix.created - before).toBe(3);

    const warm = Matrix.created;
    step(net, b32.x, b32.y, grad32);
    step(net, b32.x, b32.y, grad32);
    expect(Matrix.created - warm).toBe(0);

    const back = Matrix.created;
    step(net, b64.x, b64.y, grad64); // back to 64 rows: its buffers were kept
    step(net, b32.x, b32.y, grad32);
    expect(Matrix.created - back).toBe(0);

    const b16 = batch(16, rng), b8 = batch(8, rng), grad16 = Matrix.zeros(16, 10), grad8 = Matrix.zeros(8, 10);
    step(net, b16.x, b16.y, grad16); // a third size: three new buffers, and 64, 32, 16 are kept
    step(net, b8.x, b8.y, grad8); //   a fourth: three more, and the oldest (64) is let go
    const fourth = Matrix.created;
    step(net, b32.x, b32.y, grad32);
    step(net, b16.x, b16.y, grad16);
    step(net, b8.x, b8.y, grad8);
    expect(Matrix.created - fourth).toBe(0);
    step(net, b64.x, b64.y, grad64);
    expect(Matrix.created - fourth).toBe(3);
  });

  it("the counter does count: zeros and clone each create one matrix", () => {
    const before = Matrix.created;
    Matrix.zeros(2, 2).clone();
    expect(Matrix.created - before).toBe(2);
  });
});
