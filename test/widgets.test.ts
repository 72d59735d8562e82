import { readFileSync } from "fs";
import { gunzipSync } from "zlib";
import { createHash } from "crypto";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../web/crypto-shim";
import { Matrix, loadMnist, mlp, modelFromJson } from "../lib/index";
import { digitPadHtml, playgroundHtml, widgetScript } from "../lib/course/widgets";

/** The JSON inside the widget's <script type="application/json" data-config>. */
function configOf(html: string): Record<string, unknown> {
  const m = /<script type="application\/json" data-config>([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error("no data-config script in the widget's HTML");
  return JSON.parse(m[1]);
}

describe("widgets as notebook outputs (lib/course/widgets.ts)", () => {
  it("the digit pad carries the network itself: the page rebuilds one that gives the same outputs", () => {
    const net = mlp([784, 16, 10], { seed: 3 });
    const html = digitPadHtml(net);
    expect(html).toMatch(/^<div data-digit-pad>/);
    const copy = modelFromJson(configOf(html).model as string);
    const x = Matrix.zeros(2, 784);
    for (let i = 0; i < x.data.length; i++) x.data[i] = ((i * 37) % 101) / 100;
    expect(Array.from(copy.forward(x).data)).toEqual(Array.from(net.forward(x).data));
  });

  it("the pad refuses a network that does not read 784 pixels, saying what it found", () => {
    expect(() => digitPadHtml(mlp([100, 10]))).toThrow(/784 pixels, but its first layer takes 100 inputs/);
  });

  it("the playground carries the committed MNIST subset, byte for byte", () => {
    const config = configOf(playgroundHtml({ script: false })) as { data: Record<string, string> };
    const labels = gunzipSync(Buffer.from(config.data.trainLabels, "base64"));
    const committed = gunzipSync(readFileSync("data/mnist-playground/train-labels-idx1-ubyte.gz"));
    expect(labels.equals(committed)).toBe(true);
    expect(labels.readUInt32BE(4)).toBe(5000); // items in the IDX header
    expect(gunzipSync(Buffer.from(config.data.testImages, "base64")).readUInt32BE(4)).toBe(1000);
  });

  it("the page script is one self-contained bundle: nothing left to fetch or import, nothing that closes its <script>", () => {
    const js = widgetScript();
    expect(js).not.toMatch(/<\/script/i);
    expect(js).toMatch(/^"use strict";\(\(\)=>\{/); // one immediately-run function: no import, no module loader
    expect(js).not.toMatch(/https?:\/\/[^"'\s]*\.(js|wasm|json)/);
    expect(js).toContain("data-digit-pad");
    expect(js).toContain("data-playground");
    const html = digitPadHtml(mlp([784, 4, 10]));
    expect(html.match(/<script type="text\/javascript">/g)?.length).toBe(1);
    expect(html.endsWith("</script>")).toBe(true);
  });
});

describe("the playground's subset (data/mnist-playground)", () => {
  it("is the first 5,000 training and 1,000 test images of MNIST, with their labels, pixel for pixel", () => {
    for (const [split, limit] of [["train", 5000], ["test", 1000]] as const) {
      const subset = loadMnist(split, { dir: "data/mnist-playground" });
      const full = loadMnist(split, { limit });
      expect(subset.images.rows).toBe(limit);
      expect(Buffer.from(subset.labels).equals(Buffer.from(full.labels))).toBe(true);
      expect(Buffer.from(subset.images.data.buffer, subset.images.data.byteOffset, subset.images.data.byteLength)
        .equals(Buffer.from(full.images.data.buffer, full.images.data.byteOffset, full.images.data.byteLength))).toBe(true);
    }
  });
});

describe("the page's SHA-256 (web/crypto-shim.ts: model files are checked in the page too)", () => {
  it("equals Node's crypto on empty, block-boundary, long and non-ASCII texts", () => {
    const texts = ["", "abc", "a".repeat(55), "a".repeat(56), "a".repeat(64), "x".repeat(1000), "ΣdZ = p − y ✓"];
    for (const t of texts) {
      const bytes = new TextEncoder().encode(t);
      expect(sha256Hex(bytes), JSON.stringify(t.slice(0, 10))).toBe(createHash("sha256").update(t, "utf8").digest("hex"));
    }
    // the FIPS 180-2 example, known by heart
    expect(sha256Hex(new TextEncoder().encode("abc"))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});
