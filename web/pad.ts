// The digit pad: draw a digit, see the 28×28 image the network reads and its ten probabilities, live.
// The trained network travels inside the page (a model file's JSON, lib/nn/persist.ts); the library's own
// Sequential, Dense, ReLU and softmax compute the answer here, in the page.
import { Matrix } from "../lib/core/matrix";
import { softmaxRows } from "../lib/core/ops";
import { readModel } from "../lib/nn/persist";
import type { Sequential } from "../lib/nn/sequential";
import { mnistPreprocess, DIGIT_SIDE } from "../lib/course/digit-image";
import { ensureStyle, h, readConfig, showError } from "./dom";

export interface PadConfig {
  /** the trained network, as lib/nn/persist's modelToJson writes it */
  model: string;
  title?: string;
}

/** Canvas side in its own pixels; the stroke is as thick, relative to a digit, as MNIST's pen. */
const SIDE = 280;
const PEN = 20;

export function mountPad(root: HTMLElement): void {
  root.setAttribute("data-mounted", "");
  ensureStyle();
  root.classList.add("nnw");
  let net: Sequential;
  let config: PadConfig;
  try {
    config = readConfig<PadConfig>(root);
    net = readModel(config.model, "the digit pad's model").net;
  } catch (e) {
    showError(root, `the digit pad cannot start: ${(e as Error).message}`);
    return;
  }
  const endsWithSoftmax = net.layers[net.layers.length - 1].config().type === "softmax";

  const canvas = h("canvas", { class: "nnw-pad-canvas", width: String(SIDE), height: String(SIDE), "aria-label": "draw a digit here" });
  const seen = h("canvas", { class: "nnw-seen", width: String(DIGIT_SIDE), height: String(DIGIT_SIDE) });
  const prediction = h("div", { class: "nnw-prediction", "data-prediction": "" }, "draw a digit");
  const clear = h("button", { type: "button", "data-action": "clear" }, "Clear");
  const bars = h("div", { class: "nnw-bars" });
  const fills: HTMLDivElement[] = [], percents: HTMLSpanElement[] = [], tracks: HTMLDivElement[] = [];
  for (let d = 0; d < 10; d++) {
    const fill = h("div");
    const track = h("div", { class: "nnw-bar" }, fill);
    const pct = h("span", {}, "");
    fills.push(fill);
    tracks.push(track);
    percents.push(pct);
    bars.append(h("b", {}, String(d)), track, pct);
  }
  root.append(
    h("h4", {}, config.title ?? "Draw a digit (0–9) with the mouse, a pen or a finger"),
    h(
      "div",
      { class: "nnw-row" },
      h("div", {}, canvas, h("div", { class: "nnw-caption" }, "your drawing"), clear),
      h("div", {}, seen, h("div", { class: "nnw-caption" }, "what the network sees:", h("br"), "28 × 28, centred like MNIST")),
      h("div", {}, prediction, bars),
    ),
  );

  const g = canvas.getContext("2d", { willReadFrequently: true }) as CanvasRenderingContext2D;
  const gs = seen.getContext("2d") as CanvasRenderingContext2D;
  g.lineCap = "round";
  g.lineJoin = "round";
  g.lineWidth = PEN;
  g.strokeStyle = "#000";
  g.fillStyle = "#000";

  let drawing = false, last: [number, number] = [0, 0], pending = false;
  const at = (e: PointerEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * SIDE, ((e.clientY - r.top) / r.height) * SIDE];
  };
  const dot = ([x, y]: [number, number]) => {
    g.beginPath();
    g.arc(x, y, PEN / 2, 0, 2 * Math.PI);
    g.fill();
  };
  const line = (from: [number, number], to: [number, number]) => {
    g.beginPath();
    g.moveTo(from[0], from[1]);
    g.lineTo(to[0], to[1]);
    g.stroke();
  };
  const schedule = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      predict();
    });
  };
  canvas.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    drawing = true;
    last = at(e);
    dot(last);
    schedule();
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drawing) return;
    const events = typeof e.getCoalescedEvents === "function" ? e.getCoalescedEvents() : [];
    for (const ev of events.length > 0 ? events : [e]) {
      const p = at(ev);
      line(last, p);
      last = p;
    }
    schedule();
  });
  const stop = () => {
    if (!drawing) return;
    drawing = false;
    predict();
  };
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointercancel", stop);
  clear.addEventListener("click", () => {
    g.clearRect(0, 0, SIDE, SIDE);
    gs.clearRect(0, 0, DIGIT_SIDE, DIGIT_SIDE);
    prediction.textContent = "draw a digit";
    for (let d = 0; d < 10; d++) {
      fills[d].style.width = "0";
      percents[d].textContent = "";
      tracks[d].classList.remove("nnw-top");
    }
  });

  function predict(): void {
    const rgba = g.getImageData(0, 0, SIDE, SIDE).data;
    const ink = new Float32Array(SIDE * SIDE);
    for (let i = 0; i < ink.length; i++) ink[i] = rgba[4 * i + 3] / 255; // alpha: how much ink covers the pixel
    const image = mnistPreprocess(ink, SIDE, SIDE);
    showSeen(image);
    if (!image.some((v) => v > 0)) return;
    const out = net.forward(new Matrix(1, DIGIT_SIDE * DIGIT_SIDE, image)); // logits (or probabilities), 1 × 10
    const p = endsWithSoftmax ? out : softmaxRows(out);
    let best = 0;
    for (let d = 1; d < 10; d++) if (p.data[d] > p.data[best]) best = d;
    prediction.textContent = `${best}  (${(100 * p.data[best]).toFixed(1)} %)`;
    for (let d = 0; d < 10; d++) {
      fills[d].style.width = `${(100 * p.data[d]).toFixed(1)}%`;
      percents[d].textContent = `${(100 * p.data[d]).toFixed(1)} %`;
      tracks[d].classList.toggle("nnw-top", d === best);
    }
  }

  function showSeen(image: Float32Array): void {
    const img = gs.createImageData(DIGIT_SIDE, DIGIT_SIDE);
    for (let i = 0; i < image.length; i++) {
      const v = Math.round(255 * (1 - image[i])); // ink dark on white paper
      img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
      img.data[4 * i + 3] = 255;
    }
    gs.putImageData(img, 0, 0);
  }
}
