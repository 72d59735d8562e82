// Sequential: a network is a list of layers applied one after another.
//   forward:  A⁰ = X,  Aˡ = layerˡ(Aˡ⁻¹)            (batch × units at every step)
//   backward: from the loss gradient back through every layer, last to first (the chain rule)
// Evaluating a whole data set in chunks is in ./evaluate.ts, the table of layers in ./summary.ts, the builders
// (mlp, mnistCnn) in ./models.ts.
import type { Matrix } from "../core/matrix";
import { Random } from "../core/random";
import { Dense, type Layer, type LayerConfig, type Param, type DenseOptions } from "./layers";
import { ReLU } from "./activations";
import { layerFromConfig } from "./layer-config";
import { checkChain } from "./chain";
import type { LossFn } from "./losses";
import { EVAL_BATCH_SIZE, accuracy, evaluate, predict } from "./evaluate";
import { summary } from "./summary";

export interface SequentialOptions {
  /** compute ∂L/∂X, the gradient for the input, in backward (default false: the input is data; true for a saliency map) */
  inputGrad?: boolean;
}

const ROLES: readonly string[] = ["weight", "bias", "scale"];

export class Sequential {
  readonly layers: Layer[];
  /** Whether backward computes ∂L/∂X for the input (passed to the first layer as { inputGrad }). */
  inputGrad: boolean;
  private readonly paramList: Param[];
  /** What the layers' buffers hold: the last forward (backward may follow), or an evaluation over other rows. */
  private buffersHold: "nothing" | "forward" | "evaluation" = "nothing";

  /** Checks that the layers' sizes chain and that every parameter says what it is for (its role). */
  constructor(layers: Layer[], options: SequentialOptions = {}) {
    if (layers.length === 0) throw new Error("Sequential: a network needs at least one layer");
    checkChain(layers);
    this.layers = layers.slice();
    this.inputGrad = options.inputGrad ?? false;
    // every parameter, named by its layer's position: "0.W", "0.b", "2.W", …
    this.paramList = this.layers.flatMap((layer, i) =>
      layer.params().map((p) => {
        if (!ROLES.includes(p.role)) {
          throw new Error(`Sequential: layer ${i} (${layer.describe()}) has a parameter "${p.name}" with role ${JSON.stringify(p.role)}; expected "weight", "bias" or "scale"`);
        }
        return { name: `${i}.${p.name}`, value: p.value, grad: p.grad, role: p.role };
      }),
    );
  }

  /**
   * The network's output for a batch x (batch × inputs): A⁰ = X, Aˡ = layerˡ(Aˡ⁻¹). Returns the last layer's
   * buffer, which the next forward overwrites. `training` is for layers that behave differently (Dropout).
   */
  forward(x: Matrix, training = false): Matrix {
    this.buffersHold = "forward";
    return this.run(x, training);
  }

  /** The output for x in evaluation mode, for predict and evaluate: afterwards the buffers hold these rows, and backward refuses until the next forward. */
  infer(x: Matrix): Matrix {
    this.buffersHold = "evaluation";
    return this.run(x, false);
  }

  private run(x: Matrix, training: boolean): Matrix {
    const layers = this.layers;
    let a = x;
    for (let i = 0; i < layers.length; i++) {
      if (exactly(layers[i], Dense) && exactly(layers[i + 1], ReLU)) {
        // a Dense layer and the ReLU after it in one pass: A = max(0, X·W + b), each block of rows finished while it is
        // in the cache (the same numbers as the two layers one after the other); the ReLU keeps A for its backward
        a = (layers[i + 1] as ReLU).keep((layers[i] as Dense).forward(a, training, { relu: true }));
        i++;
      } else {
        a = layers[i].forward(a, training);
      }
    }
    return a;
  }

  /**
   * Backpropagation: dOut = ∂L/∂output (from the loss) goes through every layer from the last to the
   * first; each stores its parameters' gradients. Returns ∂L/∂X, or null when the first layer skips it.
   */
  backward(dOut: Matrix): Matrix | null {
    if (this.buffersHold !== "forward") {
      throw new Error(
        this.buffersHold === "nothing"
          ? "Sequential.backward: call forward first"
          : "Sequential.backward: the layers' buffers now hold an evaluation (predict, accuracy or evaluate ran after " +
              "the last forward, reusing them); call forward on the training batch again, then backward",
      );
    }
    const layers = this.layers;
    let g = dOut;
    for (let i = layers.length - 1; i > 0; i--) {
      if (i >= 2 && exactly(layers[i - 1], ReLU) && exactly(layers[i], Dense)) {
        // back through a Dense layer and the ReLU before it in one pass: dZ = (dY·Wᵀ) ⊙ 1[A > 0]
        g = (layers[i] as Dense).backward(g, { reluOutput: (layers[i - 1] as ReLU).output })!;
        i--;
      } else {
        g = layers[i].backward(g);
      }
    }
    return layers[0].backward(g, { inputGrad: this.inputGrad }); // null when the first layer skipped ∂L/∂X
  }

  /** Every learnable parameter, first layer first, named by position ("0.W", "0.b", "2.W", …); the same objects every call. */
  params(): Param[] {
    return this.paramList;
  }

  /** How many numbers the network learns. */
  parameterCount(): number {
    let n = 0;
    for (const p of this.params()) n += p.value.rows * p.value.cols;
    return n;
  }

  /** The predicted class of each row of x (argmax of the output), evaluated batchSize rows at a time. */
  predict(x: Matrix, batchSize = EVAL_BATCH_SIZE): Int32Array {
    return predict(this, x, batchSize);
  }

  /** The fraction of rows whose predicted class equals the label, in [0, 1]. */
  accuracy(x: Matrix, labels: ArrayLike<number>, batchSize = EVAL_BATCH_SIZE): number {
    return accuracy(this, x, labels, batchSize);
  }

  /** The mean loss and the accuracy over a whole data set, batchSize rows at a time (./evaluate.ts). */
  evaluate(x: Matrix, targets: Matrix, loss: LossFn, labels?: ArrayLike<number>, batchSize = EVAL_BATCH_SIZE): { loss: number; accuracy: number } {
    return evaluate(this, x, targets, loss, labels, batchSize);
  }

  /** The layer configs: enough to rebuild the architecture with Sequential.fromConfig. */
  config(): LayerConfig[] {
    return this.layers.map((layer) => layer.config());
  }

  /** A network with fresh weights from configs; Dense layers share one generator (options.rng or seed). */
  static fromConfig(configs: LayerConfig[], options: DenseOptions = {}): Sequential {
    const rng = options.rng ?? new Random(options.seed ?? 0);
    return new Sequential(configs.map((c) => layerFromConfig(c, { ...options, rng })));
  }

  /** A table of the layers: index, layer, output shape and parameter count (./summary.ts). */
  summary(): string {
    return summary(this.layers);
  }
}

/**
 * Whether a layer is of exactly this class, not a subclass (which may compute something else): a Dense layer and a ReLU
 * beside it run as one pass, forward and backward, only when both are exactly those.
 */
function exactly(layer: Layer | undefined, kind: typeof Dense | typeof ReLU): boolean {
  return layer !== undefined && Object.getPrototypeOf(layer) === kind.prototype;
}
