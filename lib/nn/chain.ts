// The chain of shapes: each layer must take as many columns as the layers before it give.
// Sequential's constructor and train() both walk it with checkChain, so a broken chain reads the same
// wherever it is found: "layer 2 (Dense(128→10)) takes 128 inputs, but layer 0 (Dense(784→256)) gives 256
// outputs", layers counted from 0 as in net.layers[i].
import { Layer } from "./layers";

/**
 * Walk the layers, carrying the width: a layer with an inputSize() must get exactly that many columns;
 * each layer's outputSize(width) is the next width (activations keep it). Returns the network's input
 * width (the first sized layer's) and output width, undefined while no layer fixes them.
 * Throws, prefixed by `where`, naming the layer and the one before it that set the width.
 */
export function checkChain(layers: Layer[], where = "Sequential"): { input?: number; output?: number } {
  let input: number | undefined, width: number | undefined;
  let setBy = -1; // the last layer that fixed or changed the width
  layers.forEach((layer, i) => {
    if (!(layer instanceof Layer)) throw new Error(`${where}: item ${i} is not a Layer (got ${String(layer)})`);
    const need = layer.inputSize();
    if (need !== undefined) {
      if (width === undefined) input = need;
      else if (need !== width) {
        throw new Error(
          `${where}: layer ${i} (${layer.describe()}) takes ${need} inputs, but layer ${setBy} ` +
            `(${layers[setBy].describe()}) gives ${width} outputs`,
        );
      }
      setBy = i;
      width = need;
    }
    if (width === undefined) return;
    const out = layer.outputSize(width);
    if (out !== width) setBy = i;
    width = out;
  });
  return { input, output: width };
}

/** The width of a network's output (undefined when no layer fixes it). */
export function outputWidth(net: { layers: Layer[] }): number | undefined {
  return checkChain(net.layers).output;
}
