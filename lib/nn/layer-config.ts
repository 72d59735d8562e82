// Layers from their configs: what a model file stores (Sequential.config()) is turned back into layers here.
import type { Layer, LayerConfig, DenseOptions } from "./layers";
import { Dense } from "./layers";
import { ReLU, Sigmoid, Tanh, Softmax } from "./activations";
import { Conv2D } from "./conv";
import { MaxPool2D, Flatten } from "./pool";
import { BatchNorm } from "./batchnorm";
import { Dropout } from "./dropout";
import { RNN } from "./rnn";
import { LSTM } from "./lstm";
import { LayerNorm } from "./layernorm";
import { MultiHeadAttention } from "./attention";
import { TokenDense } from "./tokens";
import { Patches, Positions, MeanTokens } from "./patches";
import { Residual } from "./residual";

/** A fresh layer from its config. Dense layers take their init, rng/seed and dtype from options; Conv2D, RNN and LSTM their rng/seed and dtype. */
export function layerFromConfig(c: LayerConfig, options: DenseOptions = {}): Layer {
  switch (c.type) {
    case "dense":
      return new Dense(size(c, "inputs"), size(c, "outputs"), options);
    case "conv2d":
      return new Conv2D({
        inChannels: size(c, "inChannels"), outChannels: size(c, "outChannels"), kernel: size(c, "kernel"),
        stride: c.stride === undefined ? 1 : size(c, "stride"), padding: c.padding === undefined ? 0 : count(c, "padding"),
        height: size(c, "height"), width: size(c, "width"), dtype: options.dtype, rng: options.rng, seed: options.seed,
      });
    case "maxpool2d":
      return new MaxPool2D({ channels: size(c, "channels"), height: size(c, "height"), width: size(c, "width"), size: size(c, "size") });
    case "flatten":
      return new Flatten();
    case "relu":
      return new ReLU();
    case "sigmoid":
      return new Sigmoid();
    case "tanh":
      return new Tanh();
    case "softmax":
      return new Softmax();
    case "batchnorm":
      return new BatchNorm(size(c, "features"), { eps: optionalNumber(c, "eps"), momentum: optionalNumber(c, "momentum"), dtype: options.dtype });
    case "dropout":
      return new Dropout(probability(c, "p"), { seed: optionalNumber(c, "seed") });
    case "rnn":
    case "lstm": {
      const o = { inputs: size(c, "inputs"), hidden: size(c, "hidden"), steps: size(c, "steps"), dtype: options.dtype, rng: options.rng, seed: options.seed };
      return c.type === "rnn" ? new RNN(o) : new LSTM(o);
    }
    // chapter 15: the transformer's layers
    case "layernorm":
      return new LayerNorm({ features: size(c, "features"), eps: optionalNumber(c, "eps"), dtype: options.dtype });
    case "attention":
      return new MultiHeadAttention({ tokens: size(c, "tokens"), dim: size(c, "dim"), heads: size(c, "heads"), dtype: options.dtype, rng: options.rng, seed: options.seed });
    case "tokendense":
      return new TokenDense({ tokens: size(c, "tokens"), inputs: size(c, "inputs"), outputs: size(c, "outputs"), dtype: options.dtype, rng: options.rng, seed: options.seed });
    case "patches":
      return new Patches({ height: size(c, "height"), width: size(c, "width"), patch: size(c, "patch") });
    case "positions":
      return new Positions({ tokens: size(c, "tokens"), dim: size(c, "dim"), dtype: options.dtype, rng: options.rng, seed: options.seed });
    case "meantokens":
      return new MeanTokens({ tokens: size(c, "tokens"), dim: size(c, "dim") });
    case "residual": {
      const inner = c.layers;
      if (!Array.isArray(inner) || inner.length === 0) {
        throw new Error(`layerFromConfig: a "residual" layer needs layers as a non-empty array of layer configs, found ${JSON.stringify(inner)}`);
      }
      return new Residual(inner.map((ic: unknown, i: number) => {
        if (ic === null || typeof ic !== "object" || typeof (ic as LayerConfig).type !== "string") {
          throw new Error(`layerFromConfig: a "residual" layer's layers[${i}] must be a layer config like { "type": "dense", … }, found ${JSON.stringify(ic)}`);
        }
        return layerFromConfig(ic as LayerConfig, options);
      }));
    }
    default:
      throw new Error(
        `layerFromConfig: unknown layer type ${JSON.stringify(c.type)}; expected dense, conv2d, maxpool2d, flatten, relu, sigmoid, tanh, softmax, batchnorm, dropout, rnn, lstm, layernorm, attention, tokendense, patches, positions, meantokens or residual`,
      );
  }
}

/** A number in [0, 1) read from a config (dropout's p), or an error naming the layer type and the field. */
function probability(c: LayerConfig, field: string): number {
  const p = c[field];
  if (typeof p !== "number" || !(p >= 0 && p < 1)) {
    throw new Error(`layerFromConfig: a "${c.type}" layer needs ${field} as a number in [0, 1), found ${JSON.stringify(p)}`);
  }
  return p;
}

/** An optional finite number read from a config (undefined when absent). */
function optionalNumber(c: LayerConfig, field: string): number | undefined {
  const v = c[field];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new Error(`layerFromConfig: a "${c.type}" layer's ${field} must be a finite number when given, found ${JSON.stringify(v)}`);
  }
  return v;
}

/** A whole number ≥ 1 read from a config, or an error naming the layer type and the field. */
export function size(c: LayerConfig, field: string): number {
  const n = c[field];
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
    throw new Error(`layerFromConfig: a "${c.type}" layer needs ${field} as a whole number ≥ 1, found ${JSON.stringify(n)}`);
  }
  return n;
}

/** A whole number ≥ 0 read from a config, or an error naming the layer type and the field. */
function count(c: LayerConfig, field: string): number {
  const n = c[field];
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
    throw new Error(`layerFromConfig: a "${c.type}" layer needs ${field} as a whole number ≥ 0, found ${JSON.stringify(n)}`);
  }
  return n;
}
