// The playground: choose the hidden size, activation, learning rate, batch size and optimizer, press Train,
// and watch loss and accuracy grow, on a small MNIST subset that travels inside the page (gzip'd IDX, base64).
// Training runs in a Web Worker (web/worker.ts → web/trainer.ts: the library's mlp and train), so the page
// never freezes; where a worker cannot start, the same trainer runs on the page between frames.
import { drawChart, type Series } from "./chart";
import { ensureStyle, gunzipBase64, h, readConfig, showError, uniqueId } from "./dom";
import { Trainer, type PlaygroundData, type PlaygroundSettings, type Progress, type TrainerCommand, type TrainerMessage } from "./trainer";

declare const WORKER_SOURCE: string; // the worker's bundle, put in by the bundler (web/bundle)

export interface PlaygroundConfig {
  /** base64 of the gzip'd IDX files */
  data: Record<keyof PlaygroundData, string>;
  defaults?: Partial<PlaygroundSettings>;
  title?: string;
}

export const PLAYGROUND_DEFAULTS: PlaygroundSettings = {
  hidden: 64,
  activation: "relu",
  lr: 0.05,
  batch: "mini",
  miniBatch: 32,
  optimizer: "momentum",
  seed: 1,
};

const HIDDEN = [8, 16, 32, 64, 128, 256];

export function mountPlayground(root: HTMLElement): void {
  root.setAttribute("data-mounted", "");
  ensureStyle();
  root.classList.add("nnw");
  let config: PlaygroundConfig;
  try {
    config = readConfig<PlaygroundConfig>(root);
  } catch (e) {
    showError(root, `the playground cannot start: ${(e as Error).message}`);
    return;
  }
  const settings: PlaygroundSettings = { ...PLAYGROUND_DEFAULTS, ...(config.defaults ?? {}) };

  // ---- controls (each tied to its label; the sliders say their values in words)
  const id = uniqueId("nnw-pg");
  const hidden = h("input", { type: "range", min: "0", max: String(HIDDEN.length - 1), step: "1", "data-setting": "hidden", id: `${id}-hidden` });
  hidden.value = String(Math.max(0, HIDDEN.indexOf(settings.hidden)));
  const hiddenText = h("span", { "aria-hidden": "true" });
  const activation = select("activation", [["relu", "ReLU"], ["sigmoid", "sigmoid"], ["tanh", "tanh"]], settings.activation, `${id}-activation`);
  const lr = h("input", { type: "range", min: "-4", max: "0", step: "0.05", "data-setting": "lr", id: `${id}-lr` });
  lr.value = String(Math.log10(settings.lr));
  const lrText = h("span", { "aria-hidden": "true" });
  const batch = select("batch", [["full", "full batch (all 5,000)"], ["mini", `mini-batch of ${settings.miniBatch}`], ["sgd", "1 (stochastic)"]], settings.batch, `${id}-batch`);
  const optimizer = select("optimizer", [["gd", "gradient descent"], ["momentum", "momentum (β = 0.9)"], ["adam", "Adam"]], settings.optimizer, `${id}-optimizer`);
  const trainButton = h("button", { type: "button", "data-action": "train" }, "Train");
  const pauseButton = h("button", { type: "button", "data-action": "pause" }, "Pause");
  const resetButton = h("button", { type: "button", "data-action": "reset" }, "Reset");
  const accuracy = h("b", { "data-accuracy": "" }, "–");
  const status = h("span", { class: "nnw-status-text" }, "loading the data…");
  const lossChart = h("canvas", { class: "nnw-chart", role: "img", "aria-label": "loss curves: no training yet" });
  const accChart = h("canvas", { class: "nnw-chart", role: "img", "aria-label": "accuracy curves: no training yet" });
  const message = h("div", { class: "nnw-error", role: "alert" });
  const kernels = h("div", { class: "nnw-caption" });
  // What a screen reader hears: state changes at once, progress at most every few seconds.
  const spoken = h("div", { class: "nnw-sr", role: "status", "aria-live": "polite" });
  const label = (control: HTMLElement, text: string) => h("label", { for: control.id }, text);

  root.append(
    h("p", { class: "nnw-title" }, config.title ?? "Playground: train a 784 → hidden → 10 network on 5,000 MNIST digits"),
    h(
      "div",
      { class: "nnw-row" },
      h(
        "div",
        { class: "nnw-controls" },
        label(hidden, "hidden units"), h("span", {}, hidden, " ", hiddenText),
        label(activation, "activation"), activation,
        label(lr, "learning rate α"), h("span", {}, lr, " ", lrText),
        label(batch, "batch size"), batch,
        label(optimizer, "optimizer"), optimizer,
      ),
      h(
        "div",
        {},
        h("div", {}, trainButton, pauseButton, resetButton),
        h("div", { class: "nnw-status" }, "test accuracy ", accuracy, h("br"), status),
      ),
    ),
    h("div", { class: "nnw-row" }, lossChart, accChart),
    kernels,
    message,
    spoken,
  );
  let lastSpoken = 0;
  const say = (text: string, urgent: boolean) => {
    const now = Date.now();
    if (!urgent && now - lastSpoken < 5000) return;
    lastSpoken = now;
    spoken.textContent = text;
  };

  // ---- state
  let history: Progress[] = [];
  let started = false; // a network exists for the current settings
  let running = false;
  let ready = false;

  const read = (): PlaygroundSettings => ({
    ...settings,
    hidden: HIDDEN[Number(hidden.value)],
    activation: activation.value as PlaygroundSettings["activation"],
    lr: Number(Math.pow(10, Number(lr.value)).toPrecision(2)),
    batch: batch.value as PlaygroundSettings["batch"],
    optimizer: optimizer.value as PlaygroundSettings["optimizer"],
  });
  const showSettings = () => {
    const s = read();
    hiddenText.textContent = String(s.hidden);
    lrText.textContent = String(s.lr);
    hidden.setAttribute("aria-valuetext", `${s.hidden} hidden units`);
    lr.setAttribute("aria-valuetext", `learning rate ${s.lr}`);
  };
  showSettings();

  const send = connect((m) => receive(m));

  function receive(m: TrainerMessage): void {
    if (m.type === "ready") {
      ready = true;
      status.textContent = `${m.train.toLocaleString("en")} training and ${m.test.toLocaleString("en")} test images loaded: press Train`;
      say(status.textContent, true);
      kernels.textContent = `matrix products: ${m.kernels}`;
    } else if (m.type === "progress") {
      if (!running) return; // a slice that finished after Pause or Reset
      history.push(m);
      accuracy.textContent = `${(100 * m.testAccuracy).toFixed(1)} %`;
      status.textContent = `epoch ${m.epoch.toFixed(2)}, ${m.updates.toLocaleString("en")} updates, test loss ${m.testLoss.toFixed(3)}`;
      say(`test accuracy ${accuracy.textContent}, ${status.textContent}`, false);
      draw();
    } else if (m.type === "stopped") {
      running = false;
      message.textContent = m.reason;
      status.textContent = "stopped";
      say(`stopped: ${m.reason}`, true);
    } else if (m.type === "error") {
      running = false;
      message.textContent = `error: ${m.message}`;
      console.error(`playground: ${m.message}`);
    }
  }

  function draw(): void {
    const pts = (f: (p: Progress) => number): Array<[number, number]> => history.map((p) => [p.epoch, f(p)]);
    const loss: Series[] = [
      { name: "train (slice)", color: "#4a78c2", points: pts((p) => p.trainLoss) },
      { name: "test", color: "#d9822b", points: pts((p) => p.testLoss) },
    ];
    const acc: Series[] = [
      { name: "train (slice)", color: "#4a78c2", points: pts((p) => 100 * p.trainAccuracy) },
      { name: "test", color: "#d9822b", points: pts((p) => 100 * p.testAccuracy) },
    ];
    drawChart(lossChart, loss, { xLabel: "epoch", yLabel: "loss (cross-entropy)" });
    drawChart(accChart, acc, { xLabel: "epoch", yLabel: "accuracy (%)", yRange: [0, 100], yFormat: (v) => v.toFixed(0) });
    const end = history[history.length - 1];
    lossChart.setAttribute("aria-label", end ? `loss (cross-entropy) against epoch: after ${end.epoch.toFixed(2)} epochs, train ${end.trainLoss.toFixed(3)}, test ${end.testLoss.toFixed(3)}` : "loss curves: no training yet");
    accChart.setAttribute("aria-label", end ? `accuracy against epoch: after ${end.epoch.toFixed(2)} epochs, train ${(100 * end.trainAccuracy).toFixed(1)} %, test ${(100 * end.testAccuracy).toFixed(1)} %` : "accuracy curves: no training yet");
  }

  function reset(): void {
    if (running) send({ type: "pause" });
    running = false;
    started = false;
    history = [];
    accuracy.textContent = "–";
    message.textContent = "";
    if (ready) status.textContent = "press Train";
    draw();
  }

  trainButton.addEventListener("click", () => {
    if (!ready || running) return;
    message.textContent = "";
    running = true;
    if (started) send({ type: "resume" });
    else {
      started = true;
      send({ type: "start", settings: read() });
    }
    say("training", true);
  });
  pauseButton.addEventListener("click", () => {
    if (!running) return;
    running = false;
    send({ type: "pause" });
    status.textContent += " (paused)";
    say(`paused; test accuracy ${accuracy.textContent}`, true);
  });
  resetButton.addEventListener("click", reset);
  for (const input of [hidden, lr, activation, batch, optimizer]) {
    input.addEventListener("input", () => {
      showSettings();
      reset(); // new settings: a new network at the next Train
    });
  }
  draw();

  decode(config.data)
    .then((data) => send({ type: "data", data }))
    .catch((e) => showError(root, `the playground's data could not be read: ${(e as Error).message}`));
}

function select(name: string, options: Array<[string, string]>, value: string, id: string): HTMLSelectElement {
  const el = h("select", { "data-setting": name, id });
  for (const [v, text] of options) el.append(h("option", { value: v }, text));
  el.value = value;
  return el;
}

/** A channel to the trainer: in a Web Worker when one starts, on this page otherwise. */
function connect(receive: (m: TrainerMessage) => void): (c: TrainerCommand) => void {
  try {
    const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
    const worker = new Worker(url);
    worker.onmessage = (e) => receive(e.data as TrainerMessage);
    worker.onerror = (e) => receive({ type: "error", message: e.message || "the worker failed" });
    return (c) => worker.postMessage(c);
  } catch {
    const trainer = new Trainer((m) => setTimeout(() => receive(m), 0), false);
    return (c) => trainer.handle(c);
  }
}

/** base64 → gzip'd bytes → IDX bytes, with the browser's own DecompressionStream. */
async function decode(data: PlaygroundConfig["data"]): Promise<PlaygroundData> {
  const out: Partial<PlaygroundData> = {};
  for (const key of ["trainImages", "trainLabels", "testImages", "testLabels"] as const) out[key] = await gunzipBase64(data[key]);
  return out as PlaygroundData;
}
