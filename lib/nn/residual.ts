// A residual block (He et al., 2016): the input skips round the inner layers and is added to what they make.
//   y = x + f(x)                        f = the inner layers, one after another (they must keep the width)
//   dx = dy + ∂f/∂x ᵀ·dy                (the skip passes dy back unchanged, whatever f does to it)
// The "+ dy" is why a deep stack of them trains: even where f's gradient vanishes, every block hands the gradient
// on at full strength.
import type { Matrix } from "../core/matrix";
import { add } from "../core/ops";
import { Buffers } from "../core/buffers";
import { Layer, type LayerConfig, type Param } from "./layers";
import { checkChain } from "./chain";

export class Residual extends Layer {
  readonly name = "Residual";
  readonly layers: Layer[];
  private readonly width: number | undefined;
  private readonly paramList: Param[];
  private readonly yBuffers = new Buffers();
  private readonly dXBuffers = new Buffers();
  private rows = -1;

  /** Residual(layers): y = x + layers(x). The layers must give as many columns as they take. */
  constructor(layers: Layer[]) {
    super();
    if (!Array.isArray(layers) || layers.length === 0) throw new Error("Residual: needs at least one inner layer");
    const { input, output } = checkChain(layers, "Residual");
    if (input !== undefined && output !== input) {
      throw new Error(`Residual: the inner layers take ${input} columns but give ${output}; y = x + f(x) needs f to keep the width`);
    }
    this.layers = layers.slice();
    this.width = input;
    // the inner layers' parameters, named by their position inside the block: "0.gamma", "1.Wq", …
    this.paramList = this.layers.flatMap((layer, i) => layer.params().map((p) => ({ ...p, name: `${i}.${p.name}` })));
  }

  forward(x: Matrix, training = false): Matrix {
    let a = x;
    for (const layer of this.layers) a = layer.forward(a, training); // f(x)
    this.rows = x.rows;
    return add(x, a, this.yBuffers.get(x.rows, x.cols, a.dtype)); //    y = x + f(x)
  }

  backward(dY: Matrix): Matrix {
    if (this.rows < 0) throw new Error(`${this.describe()}.backward: call forward first`);
    let g = dY;
    for (let i = this.layers.length - 1; i >= 0; i--) g = this.layers[i].backward(g); // ∂f/∂xᵀ·dy
    return add(dY, g, this.dXBuffers.get(dY.rows, dY.cols, g.dtype)); //                 dx = dy + ∂f/∂xᵀ·dy
  }

  params(): Param[] {
    return this.paramList;
  }

  state(): { name: string; value: Matrix }[] {
    return this.layers.flatMap((layer, i) => layer.state().map((s) => ({ name: `${i}.${s.name}`, value: s.value })));
  }

  config(): LayerConfig {
    return { type: "residual", layers: this.layers.map((layer) => layer.config()) };
  }

  inputSize(): number | undefined {
    return this.width;
  }

  describe(): string {
    return `Residual(${this.layers.map((layer) => layer.describe()).join(", ")})`;
  }
}
