// The digit pad: draw a digit, see the 28×28 image the network reads and its ten probabilities, live.
// The trained network travels inside the page (a model file's JSON, lib/nn/persist.ts); the library's own
// Sequential, Dense, ReLU and softmax compute the answer here, in the page.
//
// By mouse, pen or finger; or by keyboard: Tab reaches the pad, the arrow keys move a visible pen (Shift: 4 times
// further), Space puts it down and lifts it, Delete clears. "Test digit" puts one of MNIST's test digits on the pad.
// The reading is shown above the pad (in view while drawing on a phone) and announced in a live region when a
// stroke ends.
import { Matrix } from "../lib/core/matrix";
import { softmaxRows } from "../lib/core/ops";
import { readModel } from "../lib/nn/persist";
import type { Sequential } from "../lib/nn/sequential";
import { mnistPreprocess, DIGIT_SIDE } from "../lib/course/digit-image";
import { ensureStyle, gunzipBase64, h, readConfig, showError, uniqueId } from "./dom";

export interface PadConfig {
  /** the trained network, as lib/nn/persist's modelToJson writes it */
  model: string;
  title?: string;
  /** MNIST test digits (lib/course/widgets.ts padSamples): gzip'd base64 of count × 784 pixel bytes and count labels */
  samples?: { count: number; images: string; labels: string } | null;
}

/** Canvas side in its own pixels; the stroke is as thick, relative to a digit, as MNIST's pen. */
const SIDE = 280;
const PEN = 20;
/** One arrow key press moves the pen by one of the 28 × 28 pixels the network sees (10 canvas pixels). */
const KEY_STEP = SIDE / DIGIT_SIDE;

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
  const id = uniqueId("nnw-pad");

  const canvas = h("canvas", {
    class: "nnw-pad-canvas", width: String(SIDE), height: String(SIDE), tabindex: "0", role: "application",
    "aria-roledescription": "drawing pad", "aria-label": "Digit drawing pad", "aria-describedby": `${id}-help`,
  });
  const pen = h("div", { class: "nnw-pen", "aria-hidden": "true" });
  const seen = h("canvas", { class: "nnw-seen", width: String(DIGIT_SIDE), height: String(DIGIT_SIDE), role: "img", "aria-label": "what the network sees: your drawing as 28 by 28 pixels" });
  const prediction = h("div", { class: "nnw-prediction", "data-prediction": "" }, "draw a digit");
  const spoken = h("div", { class: "nnw-spoken", role: "status", "aria-live": "polite", id: `${id}-reading` }, "");
  const clear = h("button", { type: "button", "data-action": "clear" }, "Clear");
  const sampleButton = h("button", { type: "button", "data-action": "sample" }, "Test digit");
  const bars = h("div", { class: "nnw-bars", role: "group", "aria-label": "the network's probability for each digit" });
  const fills: HTMLDivElement[] = [], percents: HTMLSpanElement[] = [], tracks: HTMLDivElement[] = [];
  for (let d = 0; d < 10; d++) {
    const fill = h("div");
    const track = h("div", { class: "nnw-bar", "aria-hidden": "true" }, fill);
    const pct = h("span", {}, "");
    fills.push(fill);
    tracks.push(track);
    percents.push(pct);
    bars.append(h("b", {}, String(d)), track, pct);
  }
  const help = h("div", { class: "nnw-caption", id: `${id}-help` },
    "Draw with the mouse, a pen or a finger; or with the keyboard: arrow keys move the pen (Shift: further), Space puts it down or lifts it, Delete clears.");
  root.append(
    h("p", { class: "nnw-title" }, config.title ?? "Draw a digit (0–9) with the mouse, a pen, a finger or the keyboard"),
    h(
      "div",
      { class: "nnw-row" },
      h("div", { class: "nnw-pad-column" }, prediction, spoken, h("div", { class: "nnw-pad-frame" }, canvas, pen), help, h("div", {}, clear, sampleButton)),
      h("div", {}, seen, h("div", { class: "nnw-caption" }, "what the network sees:", h("br"), "28 × 28, centred like MNIST")),
      bars,
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
    announce(predict());
  };
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointercancel", stop);

  // ---- the keyboard's pen: a ring over the canvas, down (filled) or up
  let penAt: [number, number] = [SIDE / 2, SIDE / 2], penDown = false, spokenTimer = 0;
  const showPen = () => {
    pen.style.left = `${(100 * penAt[0]) / SIDE}%`;
    pen.style.top = `${(100 * penAt[1]) / SIDE}%`;
    pen.classList.toggle("nnw-pen-down", penDown);
  };
  showPen();
  canvas.addEventListener("keydown", (e) => {
    const moves: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    const move = moves[e.key];
    if (move) {
      const step = KEY_STEP * (e.shiftKey ? 4 : 1);
      const next: [number, number] = [clamp(penAt[0] + move[0] * step), clamp(penAt[1] + move[1] * step)];
      if (penDown) {
        line(penAt, next);
        schedule();
        clearTimeout(spokenTimer);
        spokenTimer = window.setTimeout(() => announce(predict()), 700); // a pause in the stroke: say the reading
      }
      penAt = next;
    } else if (e.key === " " || e.key === "Spacebar") {
      penDown = !penDown;
      if (penDown) {
        dot(penAt);
        schedule();
        spoken.textContent = "pen down";
      } else announce(predict(), "pen up. ");
    } else if (e.key === "Delete" || e.key === "Backspace") {
      clearPad();
    } else return;
    e.preventDefault();
    showPen();
  });
  canvas.addEventListener("blur", () => {
    if (penDown) {
      penDown = false;
      showPen();
    }
  });

  clear.addEventListener("click", clearPad);
  function clearPad(): void {
    g.clearRect(0, 0, SIDE, SIDE);
    gs.clearRect(0, 0, DIGIT_SIDE, DIGIT_SIDE);
    prediction.textContent = "draw a digit";
    spoken.textContent = "the pad is empty";
    for (let d = 0; d < 10; d++) {
      fills[d].style.width = "0";
      percents[d].textContent = "";
      tracks[d].classList.remove("nnw-top");
    }
  }

  // ---- MNIST test digits
  let samples: { images: Uint8Array; labels: Uint8Array; count: number } | null = null;
  const wanted = config.samples;
  if (!wanted) sampleButton.remove();
  else {
    sampleButton.disabled = true;
    Promise.all([gunzipBase64(wanted.images), gunzipBase64(wanted.labels)])
      .then(([images, labels]) => {
        samples = { images, labels, count: wanted.count };
        sampleButton.disabled = false;
      })
      .catch((e) => showError(root, `the test digits could not be read: ${(e as Error).message}`));
  }
  sampleButton.addEventListener("click", () => {
    if (samples === null) return;
    const i = Math.floor(Math.random() * samples.count);
    g.clearRect(0, 0, SIDE, SIDE);
    const cell = SIDE / DIGIT_SIDE;
    for (let p = 0; p < DIGIT_SIDE * DIGIT_SIDE; p++) {
      const v = samples.images[i * DIGIT_SIDE * DIGIT_SIDE + p];
      if (v === 0) continue;
      g.fillStyle = `rgba(0,0,0,${(v / 255).toFixed(3)})`;
      g.fillRect((p % DIGIT_SIDE) * cell, Math.floor(p / DIGIT_SIDE) * cell, cell, cell);
    }
    g.fillStyle = "#000";
    announce(predict(), `MNIST test digit number ${i + 1}, a ${samples.labels[i]}. `);
  });

  /** Reads the pad; returns the best digit and its probability (null when the pad is empty). */
  function predict(): { digit: number; p: number } | null {
    const rgba = g.getImageData(0, 0, SIDE, SIDE).data;
    const ink = new Float32Array(SIDE * SIDE);
    for (let i = 0; i < ink.length; i++) ink[i] = rgba[4 * i + 3] / 255; // alpha: how much ink covers the pixel
    const image = mnistPreprocess(ink, SIDE, SIDE);
    showSeen(image);
    if (!image.some((v) => v > 0)) return null;
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
    return { digit: best, p: p.data[best] };
  }

  function announce(reading: { digit: number; p: number } | null, before = ""): void {
    spoken.textContent = before + (reading === null ? "the pad is empty" : `The network reads ${reading.digit}, ${(100 * reading.p).toFixed(0)} % sure.`);
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

function clamp(v: number): number {
  return Math.max(PEN / 2, Math.min(SIDE - PEN / 2, v));
}
