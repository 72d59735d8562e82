// Looking inside a deep network (chapter 9): the activations of every layer, the size of every layer's
// gradient, the units that never fire, and how large each update is next to the weights it changes.
import { Matrix } from "../core/matrix";
import { Dense, type Layer, type Param } from "../nn/layers";
import { Activation, ReLU } from "../nn/activations";
import type { Sequential } from "../nn/sequential";
import { histogramCounts } from "./charts";
import type { PlotlyFigure } from "./figures";

/** What each activation layer (ReLU, sigmoid, tanh, …) outputs for the batch x: one copy per activation layer, in order. */
export function activationsByLayer(net: Sequential, x: Matrix, training = false): { layer: number; name: string; values: Matrix }[] {
  const out: { layer: number; name: string; values: Matrix }[] = [];
  let a = x;
  net.layers.forEach((layer, i) => {
    a = layer.forward(a, training);
    if (layer instanceof Activation) out.push({ layer: i, name: layer.name, values: a.clone() });
  });
  return out;
}

/** ‖M‖ = √(Σ M_ij²), the Frobenius norm. */
export function frobeniusNorm(m: Matrix): number {
  let s = 0;
  for (let i = 0; i < m.data.length; i++) s += m.data[i] * m.data[i];
  return Math.sqrt(s);
}

/** ‖dW‖ of every Dense layer, first layer first: the size of the gradient each layer received in the last backward. */
export function gradientNorms(net: Sequential): number[] {
  return denseLayers(net.layers).map((d) => frobeniusNorm(d.dW));
}

/**
 * For each ReLU layer: how many of its units output 0 for every row of x ("dead": they pass no gradient,
 * so nothing changes the weights that feed them).
 */
export function deadUnits(net: Sequential, x: Matrix): { layer: number; units: number; dead: number }[] {
  const result: { layer: number; units: number; dead: number }[] = [];
  let a = x;
  net.layers.forEach((layer, i) => {
    a = layer.forward(a, false);
    if (!(layer instanceof ReLU)) return;
    let dead = 0;
    for (let j = 0; j < a.cols; j++) {
      let fires = false;
      for (let r = 0; r < a.rows && !fires; r++) fires = a.data[r * a.cols + j] > 0;
      if (!fires) dead++;
    }
    result.push({ layer: i, units: a.cols, dead });
  });
  return result;
}

/**
 * The ratio of an update's size to the weights' size, ‖W_after − W_before‖ / ‖W_before‖, for each parameter
 * whose role is "weight" (CS231n's rule of thumb: around 1e-3 with a good learning rate).
 * `before` are copies of those weights taken before the step (see copyWeights).
 */
export function updateRatios(params: Param[], before: Matrix[]): number[] {
  const weights = params.filter((p) => p.role === "weight");
  if (weights.length !== before.length) throw new Error(`updateRatios: ${weights.length} weights but ${before.length} copies from before the step`);
  return weights.map((p, k) => {
    const w = p.value.data, b = before[k].data;
    if (w.length !== b.length) throw new Error(`updateRatios: parameter "${p.name}" has ${w.length} numbers, its copy ${b.length}`);
    let change = 0, size = 0;
    for (let i = 0; i < w.length; i++) {
      change += (w[i] - b[i]) ** 2; //                    ‖ΔW‖²
      size += b[i] * b[i]; //                             ‖W‖²
    }
    return Math.sqrt(change) / Math.sqrt(size);
  });
}

/** Copies of the parameters whose role is "weight" (into `into`, reused, when given). */
export function copyWeights(params: Param[], into?: Matrix[]): Matrix[] {
  const weights = params.filter((p) => p.role === "weight");
  if (into === undefined) return weights.map((p) => p.value.clone());
  weights.forEach((p, k) => into[k].data.set(p.value.data));
  return into;
}

/** The Dense layers of a list of layers, in order. */
export function denseLayers(layers: Layer[]): Dense[] {
  return layers.filter((l): l is Dense => l instanceof Dense);
}

/**
 * One histogram per layer side by side (Saito's figure): the distribution of each layer's activations.
 * `range` is shared by every panel (default [0, 1], the range of a sigmoid).
 */
export function layerHistograms(
  layers: { name: string; values: ArrayLike<number> }[],
  options: { title?: string; range?: [number, number]; bins?: number; height?: number; color?: string } = {},
): PlotlyFigure {
  const range = options.range ?? [0, 1];
  const bins = options.bins ?? 30;
  const n = layers.length;
  const gap = 0.02, width = (1 - gap * (n - 1)) / n;
  const layout: Record<string, unknown> = {
    title: { text: options.title ?? "Activations, layer by layer" }, showlegend: false, bargap: 0,
    height: options.height ?? 300, margin: { t: 60, b: 50, l: 50, r: 20 },
  };
  const data = layers.map((l, k) => {
    const { edges, counts } = histogramCounts(l.values, bins, range);
    const suffix = k === 0 ? "" : String(k + 1);
    layout[`xaxis${suffix}`] = { domain: [k * (width + gap), k * (width + gap) + width], range, title: { text: l.name, font: { size: 13 } } };
    layout[`yaxis${suffix}`] = { anchor: `x${suffix}`, showticklabels: k === 0, rangemode: "tozero" };
    return {
      type: "bar", x: edges.slice(0, -1).map((e, i) => (e + edges[i + 1]) / 2), y: counts.map((c) => c / Math.max(1, l.values.length)),
      width: edges[1] - edges[0], xaxis: `x${suffix}`, yaxis: `y${suffix}`, marker: { color: options.color ?? "#1f77b4" },
      hovertemplate: `${l.name}: [%{x}] %{y:.3f}<extra></extra>`,
    };
  });
  return { data, layout };
}

/** A zero matrix shaped like each weight (for copyWeights(params, into)). */
export function weightBuffers(params: Param[]): Matrix[] {
  return params.filter((p) => p.role === "weight").map((p) => Matrix.zeros(p.value.rows, p.value.cols, p.value.dtype));
}
