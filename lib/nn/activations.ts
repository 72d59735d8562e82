// Activations: a function applied to every entry (ReLU, sigmoid, tanh) or to every row (softmax), with no
// parameters. Each computes A = f(Z) in `forward` and, right beside it, dZ = dA ⊙ f′(Z) in `backward`.
import { type Matrix } from "../core/matrix";
import { softmaxRows, relu, reluBackward } from "../core/ops";
import { Layer, type LayerConfig } from "./layers";
import { Buffers } from "../core/buffers";

/**
 * An activation applies a function to each row (A = f(Z)) and has no parameters. This base class keeps
 * the output A and the gradient buffer dZ, and checks shapes; each subclass writes the two formulas.
 */
export abstract class Activation extends Layer {
  protected a: Matrix | null = null; // output A of the last forward: batch × units
  private readonly aBuffers = new Buffers();
  private readonly dZBuffers = new Buffers(); // gradient dZ: batch × units

  /** The output buffer for input z (same shape and dtype), reused from call to call. */
  protected outputFor(z: Matrix): Matrix {
    this.a = this.aBuffers.get(z.rows, z.cols, z.dtype);
    return this.a;
  }

  /** The saved output A, after checking dA has its shape. */
  protected savedOutput(dA: Matrix): Matrix {
    const a = this.lastOutput();
    if (dA.rows !== a.rows || dA.cols !== a.cols) {
      throw new Error(`${this.name}.backward: dA is ${dA.shape} but the output A was ${a.shape}`);
    }
    return a;
  }

  /** The output A of the last forward, for a backward. */
  protected lastOutput(): Matrix {
    if (this.a === null) throw new Error(`${this.name}.backward: call forward first`);
    return this.a;
  }

  /** The buffer dZ is written into (the shape of A). */
  protected gradFor(a: Matrix): Matrix {
    return this.dZBuffers.get(a.rows, a.cols, a.dtype);
  }

  /** An activation's config is its name in lower case: { type: "relu" }, "sigmoid", "tanh", "softmax". */
  config(): LayerConfig {
    return { type: this.name.toLowerCase() };
  }
}

/** ReLU: A = max(0, Z). */
export class ReLU extends Activation {
  readonly name = "ReLU";

  forward(z: Matrix): Matrix {
    return relu(z, this.outputFor(z)); // A = max(0, Z)
  }

  backward(dA: Matrix): Matrix {
    // dZ = dA ⊙ 1[Z > 0]        (A > 0 exactly where Z > 0; the derivative at 0 is taken as 0)
    const a = this.savedOutput(dA);
    return reluBackward(dA, a, this.gradFor(a));
  }

  /**
   * For a Dense layer that computed A = max(0, X·W + b) itself (Sequential: a Dense layer, then this ReLU, in one pass):
   * keeps `a` as this layer's output, as forward would have, and returns it.
   */
  keep(a: Matrix): Matrix {
    this.a = a;
    return a;
  }

  /** The output A of the last forward (or keep): a Dense layer's backward through this ReLU masks with it. */
  get output(): Matrix {
    return this.lastOutput();
  }
}

/** Sigmoid: A = σ(Z) = 1 / (1 + e^(−Z)). */
export class Sigmoid extends Activation {
  readonly name = "Sigmoid";

  forward(z: Matrix): Matrix {
    // A = 1 / (1 + e^(−Z))
    const a = this.outputFor(z), Z = z.data, A = a.data;
    for (let i = 0; i < A.length; i++) A[i] = 1 / (1 + Math.exp(-Z[i]));
    return a;
  }

  backward(dA: Matrix): Matrix {
    // dZ = dA ⊙ A ⊙ (1 − A)
    const a = this.savedOutput(dA), dZ = this.gradFor(a);
    const A = a.data, G = dA.data, D = dZ.data;
    for (let i = 0; i < D.length; i++) D[i] = G[i] * A[i] * (1 - A[i]);
    return dZ;
  }
}

/** Tanh: A = tanh(Z). */
export class Tanh extends Activation {
  readonly name = "Tanh";

  forward(z: Matrix): Matrix {
    // A = tanh(Z)
    const a = this.outputFor(z), Z = z.data, A = a.data;
    for (let i = 0; i < A.length; i++) A[i] = Math.tanh(Z[i]);
    return a;
  }

  backward(dA: Matrix): Matrix {
    // dZ = dA ⊙ (1 − A²)
    const a = this.savedOutput(dA), dZ = this.gradFor(a);
    const A = a.data, G = dA.data, D = dZ.data;
    for (let i = 0; i < D.length; i++) D[i] = G[i] * (1 - A[i] * A[i]);
    return dZ;
  }
}

/**
 * Softmax over each row: p_j = e^(z_j) / Σ_k e^(z_k), computed as e^(z_j − max z) / Σ_k e^(z_k − max z)
 * so that large logits do not overflow. Its backward is the full Jacobian-vector product, so it works
 * under any loss (MSE, cross-entropy on probabilities). For training, softmaxCrossEntropy on the logits
 * (no Softmax layer) is faster and more accurate.
 */
export class Softmax extends Activation {
  readonly name = "Softmax";

  forward(z: Matrix): Matrix {
    // p_ij = e^(z_ij − max_k z_ik) / Σ_k e^(z_ik − max_k z_ik)
    return softmaxRows(z, this.outputFor(z));
  }

  backward(dP: Matrix): Matrix {
    // dz_ij = p_ij·(g_ij − Σ_k g_ik·p_ik)      (g = dP; the Jacobian ∂p_j/∂z_i = p_j(δ_ij − p_i), times g)
    const p = this.savedOutput(dP), dZ = this.gradFor(p);
    const P = p.data, G = dP.data, D = dZ.data, n = p.cols;
    for (let i = 0; i < p.rows; i++) {
      const r = i * n;
      let gp = 0;
      for (let j = 0; j < n; j++) gp += G[r + j] * P[r + j];
      for (let j = 0; j < n; j++) D[r + j] = P[r + j] * (G[r + j] - gp);
    }
    return dZ;
  }
}


