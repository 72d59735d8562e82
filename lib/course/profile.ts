// Where the time of a training step goes: each layer's forward and backward, the loss and the update, and inside
// each of them the kernels it called (lib/engine/kernels.ts): im2col, the products, pooling, …
//
// It wraps the network's layers and the active kernels with timers for a few steps, then puts everything back.
// The figures are this machine's, measured now (the wrapping itself costs well under a microsecond a call).
import { activeKernels, useKernels } from "../engine/active";
import { KERNEL_METHODS, type Kernels } from "../engine/kernels";
import { Random } from "../core/random";
import { batches, type Dataset } from "../data/dataset";
import { Buffers } from "../core/buffers";
import { softmaxCrossEntropy } from "../nn/losses";
import type { Sequential } from "../nn/sequential";
import type { Optimizer } from "../train/optimizer-types";

/** One line of the profile: a part of the step (e.g. "Conv2D backward"), its time and its kernels'. */
export interface ProfileLine {
  part: string;
  /** milliseconds per step */
  ms: number;
  /** milliseconds per step in each kernel it called (the rest of `ms` is JavaScript outside the kernels) */
  kernels: Record<string, number>;
}

/** The kernel calls grouped under a few names a reader knows. */
const GROUP: Record<string, string> = {
  matmul: "products", matmulTransA: "products", matmulTransB: "products", matmulBias: "products", matmulBiasRelu: "products", matmulTransBMask: "products",
  im2col: "im2col", col2im: "col2im", channelsFirst: "layout+bias", channelsLast: "layout",
  maxPool: "pooling", maxPoolBackward: "pooling", convForward: "direct conv", matmulBatched: "products",
  adamUpdate: "update", layerNormForward: "layer norm", layerNormBackward: "layer norm",
  attentionSoftmax: "softmax", attentionSoftmaxBackward: "softmax", splitHeads: "layout", mergeHeads: "layout",
  lstmGatesForward: "gates", lstmGatesBackward: "gates", softmaxCrossEntropy: "loss",
};

/**
 * Profiles `steps` training steps of `net` (mini-batches of `batchSize` from `data`, softmax cross-entropy, the
 * optimizer's update), after `warmUp` untimed ones. Returns one line per part, in the order of the step.
 */
export function profileSteps(net: Sequential, optimizer: Optimizer, data: Dataset,
                             options: { batchSize?: number; steps?: number; warmUp?: number; seed?: number } = {}): ProfileLine[] {
  const { batchSize = 64, steps = 50, warmUp = 5, seed = 1 } = options;
  const lines = new Map<string, ProfileLine>();
  let current: ProfileLine | null = null;
  let timing = false;
  const timed = <T>(part: string, run: () => T): T => {
    if (!timing) return run();
    const line = lines.get(part) ?? { part, ms: 0, kernels: {} };
    lines.set(part, line);
    const outer = current;
    current = line;
    const t0 = performance.now();
    try {
      return run();
    } finally {
      line.ms += performance.now() - t0;
      current = outer;
    }
  };
  const kernels = activeKernels();
  const wrapped: Record<string, unknown> = { ...kernels, name: kernels.name };
  for (const method of KERNEL_METHODS) {
    const f = (kernels[method] as (...a: unknown[]) => unknown).bind(kernels);
    wrapped[method] = (...args: unknown[]) => {
      if (!timing || current === null) return f(...args);
      const t0 = performance.now();
      const r = f(...args);
      const name = GROUP[method] ?? "element-wise", line = current as ProfileLine;
      line.kernels[name] = (line.kernels[name] ?? 0) + performance.now() - t0;
      return r;
    };
  }
  const originals = net.layers.map((layer) => ({ layer, forward: layer.forward, backward: layer.backward, own: Object.hasOwn(layer, "forward") }));
  originals.forEach(({ layer, forward, backward }, i) => {
    const name = `${i} ${layer.name}`; // the layer's position, as in the network's summary
    // a Dense layer that Sequential runs with the ReLU beside it, in one pass (its options say so), is one part: "0 Dense + 1 ReLU"
    const withRelu = (options: unknown, key: string, at: number): string => {
      const value = typeof options === "object" && options !== null ? (options as Record<string, unknown>)[key] : undefined;
      return value === undefined || value === false ? name : `${name} + ${at} ReLU`;
    };
    layer.forward = (...a: Parameters<typeof forward>) => timed(`${withRelu((a as unknown[])[2], "relu", i + 1)} forward`, () => forward.apply(layer, a));
    layer.backward = ((...a: unknown[]) => timed(`${withRelu(a[1], "reluOutput", i - 1)} backward`, () => (backward as (...b: unknown[]) => unknown).apply(layer, a))) as typeof backward;
  });
  useKernels(wrapped as unknown as Kernels);
  try {
    const params = net.params(), grads = new Buffers(); // dŶ's buffer, reused as train() does (lib/train/evaluate.ts's withGradBuffer)
    let n = 0;
    for (const { x, y } of batches(data, batchSize, { rng: new Random(seed) })) {
      timing = n >= warmUp;
      const out = net.forward(x, true);
      const { grad } = timed("loss", () => softmaxCrossEntropy(out, y, grads.get(out.rows, out.cols, out.dtype)));
      net.backward(grad);
      timed(`update (${optimizer.name})`, () => optimizer.step(params));
      if (++n === warmUp + steps) break;
    }
    const timedSteps = Math.max(1, n - warmUp);
    return [...lines.values()].map((l) => ({
      part: l.part,
      ms: l.ms / timedSteps,
      kernels: Object.fromEntries(Object.entries(l.kernels).map(([k, v]) => [k, v / timedSteps])),
    }));
  } finally {
    useKernels(kernels);
    for (const { layer, forward, backward, own } of originals) {
      if (own) {
        layer.forward = forward;
        layer.backward = backward;
      } else { // the class's own methods again, as before
        delete (layer as { forward?: unknown }).forward;
        delete (layer as { backward?: unknown }).backward;
      }
    }
  }
}

/** The profile as a table: each part's time per step, its share, and its kernels' times, largest first. */
export function formatProfile(lines: ProfileLine[]): string {
  const total = lines.reduce((s, l) => s + l.ms, 0);
  const w = Math.max(...lines.map((l) => l.part.length)) + 2;
  const rows = lines.filter((l) => l.ms >= 0.005 * total).map((l) => {
    const inside = Object.entries(l.kernels).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", ");
    return `${l.part.padEnd(w)}${l.ms.toFixed(2).padStart(7)} ms ${(100 * l.ms / total).toFixed(0).padStart(3)} %   ${inside}`;
  });
  return [...rows, `${"step".padEnd(w)}${total.toFixed(2).padStart(7)} ms   (parts under 0.5 % not shown; kernel times in ms)`].join("\n");
}
