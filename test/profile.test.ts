// profileSteps (lib/course/profile.ts): the parts of a training step it reports, the kernels it attributes to each,
// and that it leaves the network and the active kernels exactly as they were.
import { describe, expect, it } from "vitest";
import { mnistCnn, adam, loadMnist, profileSteps, formatProfile } from "../lib/index";
import { activeKernels } from "../lib/engine/active";

describe("profileSteps", () => {
  const data = loadMnist("train", { limit: 64 * 4 });

  it("times every layer's forward and backward, the loss and the update, with the kernels inside each", () => {
    const net = mnistCnn({ filters: [4, 8], hidden: 16, seed: 1 });
    const kernels = activeKernels();
    const methods = net.layers.map((l) => [l.forward, l.backward]);
    const lines = profileSteps(net, adam({ lr: 0.001 }), data, { steps: 2, warmUp: 1 });
    const parts = lines.map((l) => l.part);
    // every layer has a forward part; the ReLU after a Dense layer runs inside it, and backward the ReLU before one
    const forwards = parts.filter((p) => p.endsWith(" forward")).flatMap((p) => p.replace(/ forward$/, "").split(" + "));
    for (const [i, layer] of net.layers.entries()) expect(forwards).toContain(`${i} ${layer.name}`);
    expect(parts).toContain("7 Dense + 8 ReLU forward");
    expect(parts).toContain("9 Dense + 8 ReLU backward");
    expect(parts).not.toContain("8 ReLU forward");
    expect(parts).toContain("0 Conv2D backward");
    expect(parts).toContain("loss");
    expect(parts).toContain("update (adam)");
    // the first convolution (one input channel) is one direct-convolution call; the second goes through im2col
    const conv1 = lines.find((l) => l.part === "0 Conv2D forward")!;
    expect(Object.keys(conv1.kernels)).toEqual(["direct conv"]);
    const conv2 = lines.find((l) => l.part === "3 Conv2D forward")!;
    expect(Object.keys(conv2.kernels).sort()).toEqual(["im2col", "layout+bias", "products"]);
    const update = lines.find((l) => l.part === "update (adam)")!;
    expect(Object.keys(update.kernels)).toEqual(["update"]);
    const pool = lines.find((l) => l.part === "2 MaxPool2D backward")!;
    expect(Object.keys(pool.kernels)).toEqual(["pooling"]);
    for (const l of lines) {
      const inKernels = Object.values(l.kernels).reduce((a, b) => a + b, 0);
      expect(inKernels, l.part).toBeLessThanOrEqual(l.ms + 1e-9); // a part's kernels run inside it
    }
    expect(formatProfile(lines)).toMatch(/^step +\d+\.\d\d ms/m);
    // everything put back: the same kernels object, the layers' own methods
    expect(activeKernels()).toBe(kernels);
    net.layers.forEach((l, i) => expect([l.forward, l.backward, Object.hasOwn(l, "forward")]).toEqual([...methods[i], false]));
  });
});
