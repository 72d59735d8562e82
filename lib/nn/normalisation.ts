// What BatchNorm and LayerNorm share around their formulas: both compute x̂ = (x − μ)/√(σ² + ε) and y = γ ⊙ x̂ + β
// (BatchNorm down each column of the batch, LayerNorm along the features of each token), so both keep the learned
// scale γ and shift β with their gradients, the x̂ of the last forward for backward, and the buffers of y, x̂ and dX.
// The formulas themselves are in batchnorm.ts and layernorm.ts.
import { type Matrix, longLived, type DType } from "../core/matrix";
import { Layer, type Param } from "./layers";
import { Buffers } from "../core/buffers";

/** A normalisation layer's γ (gamma, starts at 1) and β (beta, starts at 0), both 1 × features, and its x̂. */
export abstract class Normalisation extends Layer {
  readonly features: number;
  readonly eps: number;
  readonly gamma: Matrix; //  γ: 1 × features
  readonly beta: Matrix; //   β: 1 × features
  readonly dGamma: Matrix; // ∂L/∂γ: 1 × features
  readonly dBeta: Matrix; //  ∂L/∂β: 1 × features

  protected xHat: Matrix | null = null; // x̂ of the last forward: the input's shape
  protected readonly xHatBuffers = new Buffers();
  protected readonly yBuffers = new Buffers();
  protected readonly dXBuffers = new Buffers();
  private readonly paramList: Param[];

  /** `where` names the layer in errors ("BatchNorm"); eps defaults to 1e-5, dtype to "float32". */
  constructor(where: string, features: number, epsOption?: number, dtype: DType = "float32") {
    super();
    const eps = epsOption ?? 1e-5;
    if (!Number.isInteger(features) || features < 1) throw new Error(`${where}: features must be a whole number ≥ 1, got ${features}`);
    if (!(typeof eps === "number" && Number.isFinite(eps) && eps > 0)) throw new Error(`${where}: eps must be a positive number, got ${eps}`);
    this.features = features;
    this.eps = eps;
    this.gamma = longLived(1, features, dtype).fill(1);
    this.beta = longLived(1, features, dtype);
    this.dGamma = longLived(1, features, dtype);
    this.dBeta = longLived(1, features, dtype);
    this.paramList = [
      { name: "gamma", value: this.gamma, grad: this.dGamma, role: "scale" },
      { name: "beta", value: this.beta, grad: this.dBeta, role: "bias" },
    ];
  }

  get dtype(): DType {
    return this.gamma.dtype;
  }

  params(): Param[] {
    return this.paramList; // the same objects every call: optimizers keep their state per parameter
  }

  /** The x̂ of the last forward, after checking dY has the output's shape (which is x̂'s). */
  protected savedXHat(dY: Matrix): Matrix {
    const xHat = this.xHat;
    if (xHat === null) throw new Error(`${this.describe()}.backward: call forward first`);
    if (dY.rows !== xHat.rows || dY.cols !== xHat.cols) {
      throw new Error(`${this.describe()}.backward: dY is ${dY.shape} but the output was ${xHat.shape}`);
    }
    return xHat;
  }
}
