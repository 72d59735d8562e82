// The digit pad and the playground, as notebook outputs (and as the book's pages: scripts/commands/book.ts).
//
//   import { drawDigit, playground } from "./lib/index";
//   drawDigit(net);     // draw digits with the mouse, pen or finger; the network answers as you draw
//   playground();       // train a small network on 5,000 digits in the page, with sliders
//
// The output is self-contained HTML: the widget's root element, its settings as JSON (for the pad, the
// trained network itself, in lib/nn/persist's model format; for the playground, a gzip'd MNIST subset), and
// one <script>: this library and web/ bundled for the browser (built by the set-up: scripts/lib/widget-bundle.mjs). It runs in the live classic
// Notebook, in nbconvert's HTML export and in the book, with no server and nothing to fetch.
import { readFileSync } from "fs";
import { gunzipSync, gzipSync } from "zlib";
import { join } from "path";
import { findUpward } from "../paths";
import { modelToJson } from "../nn/persist";
import type { Sequential } from "../nn/sequential";
import { showHtml } from "./plot";

/** Where the page's script is built (scripts/lib/widget-bundle.mjs), relative to the project root. */
export const WIDGET_BUNDLE = join("build", "widgets.js");

let bundle: string | null = null;

/**
 * The page's script: web/widgets.ts with the library it imports, bundled for the browser (minified, about
 * 100 KB; the Web Worker's own bundle inside it). Built by the set-up that every npm command runs, and by
 * `npm run book`, into build/widgets.js; read here once, then kept.
 */
export function widgetScript(): string {
  if (bundle !== null) return bundle;
  const file = findUpward(WIDGET_BUNDLE);
  if (file === null) {
    throw new Error(`widgets: ${WIDGET_BUNDLE} (the page's script) not found from ${process.cwd()} upwards: \`npm run setup\` builds it (so does every npm command)`);
  }
  bundle = readFileSync(file, "utf8");
  return bundle;
}

/** JSON that is safe inside a <script> element: no "<" can close it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

function widgetHtml(attribute: string, config: unknown, withScript: boolean): string {
  const root = `<div ${attribute}><script type="application/json" data-config>${scriptJson(config)}</script></div>`;
  return withScript ? `${root}\n<script type="text/javascript">\n${widgetScript()}\n</script>` : root;
}

export interface WidgetHtmlOptions {
  /** a heading above the widget */
  title?: string;
  /** false: leave the <script> out (a page that loads widgetScript() once itself); default true */
  script?: boolean;
}

/** The digit pad for `net` (784 inputs, 10 outputs) as HTML: its root has the attribute data-digit-pad. */
export function digitPadHtml(net: Sequential, options: WidgetHtmlOptions = {}): string {
  const first = net.layers[0].config();
  if (first.type === "dense" && first.inputs !== 784) {
    throw new Error(`drawDigit: the network must read 28 × 28 = 784 pixels, but its first layer takes ${first.inputs} inputs`);
  }
  return widgetHtml("data-digit-pad", { model: modelToJson(net), title: options.title, samples: padSamples() }, options.script ?? true);
}

/** How many MNIST test digits travel with the pad, for its "put a test digit on the pad" button. */
const PAD_SAMPLES = 100;

/**
 * The first PAD_SAMPLES test digits of the committed sample (data/mnist-sample), as gzip'd base64: `images`
 * n × 784 bytes, `labels` n bytes. Null where the sample is missing (the pad then has no such button).
 */
export function padSamples(): { count: number; images: string; labels: string } | null {
  const dir = findUpward(join("data", "mnist-sample"));
  if (dir === null) return null;
  const images = gunzipSync(readFileSync(join(dir, "t10k-images-idx3-ubyte.gz")));
  const labels = gunzipSync(readFileSync(join(dir, "t10k-labels-idx1-ubyte.gz")));
  const count = Math.min(PAD_SAMPLES, labels.readUInt32BE(4));
  return {
    count,
    images: gzipSync(images.subarray(16, 16 + 784 * count)).toString("base64"),
    labels: gzipSync(labels.subarray(8, 8 + count)).toString("base64"),
  };
}

/** Draw digits for `net` to read, in the notebook: the 28 × 28 image it sees and its ten probabilities, live. */
export function drawDigit(net: Sequential, options: Omit<WidgetHtmlOptions, "script"> = {}): void {
  showHtml(digitPadHtml(net, options), "drawDigit()");
}

/** The playground's MNIST subset: data/mnist-playground (scripts/generate/make-playground-data.ts), gzip'd IDX as base64. */
export function playgroundData(dir?: string): Record<"trainImages" | "trainLabels" | "testImages" | "testLabels", string> {
  const folder = dir ?? findUpward(join("data", "mnist-playground"));
  if (folder === null) throw new Error(`playground: data/mnist-playground not found from ${process.cwd()} upwards`);
  const read = (name: string) => readFileSync(join(folder, `${name}.gz`)).toString("base64");
  return {
    trainImages: read("train-images-idx3-ubyte"),
    trainLabels: read("train-labels-idx1-ubyte"),
    testImages: read("t10k-images-idx3-ubyte"),
    testLabels: read("t10k-labels-idx1-ubyte"),
  };
}

export interface PlaygroundOptions extends WidgetHtmlOptions {
  /** starting values of the controls: hidden (8–256), activation, lr, batch ("full" | "mini" | "sgd"), optimizer */
  defaults?: { hidden?: number; activation?: string; lr?: number; batch?: string; optimizer?: string };
}

/** The playground as HTML: its root has the attribute data-playground. */
export function playgroundHtml(options: PlaygroundOptions = {}): string {
  return widgetHtml("data-playground", { data: playgroundData(), defaults: options.defaults, title: options.title }, options.script ?? true);
}

/** The playground in the notebook: sliders, Train and Pause, live curves; training runs in the page. */
export function playground(options: Omit<PlaygroundOptions, "script"> = {}): void {
  showHtml(playgroundHtml(options), "playground()");
}
