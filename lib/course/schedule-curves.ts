// A learning-rate schedule drawn: α(epoch) of each schedule, as a plotly figure for show() (chapters 7 and 15).
import type { Schedule } from "../train/optimizer-types";
import type { Trace } from "./plot";
import { lineLayout, PALETTE, type CurveFigure } from "./curves";

/**
 * α of each schedule over `epochs` epochs, from the base rate α₀ = baseLr: a step per epoch, epoch e (0-based)
 * drawn from x = e to x = e + 1, so the x axis reads as training progress in epochs.
 */
export function scheduleCurves(schedules: { name: string; schedule: Schedule }[], epochs: number, baseLr: number, options: { title?: string; height?: number } = {}): CurveFigure {
  const dashes = ["solid", "dash", "dot", "dashdot"];
  const data: Trace[] = schedules.map((s, i) => {
    const y = Array.from({ length: epochs }, (_, e) => s.schedule(e, baseLr));
    return {
      type: "scatter", mode: "lines", name: s.name,
      x: Array.from({ length: epochs + 1 }, (_, e) => e), y: [...y, y[epochs - 1]],
      line: { color: PALETTE[i % PALETTE.length], shape: "hv", width: 3, dash: dashes[i % dashes.length] },
      hovertemplate: `${s.name}<br>α %{y:.3g}<extra></extra>`,
    };
  });
  // Schedules start high: the bottom left is free for the legend.
  const legend = { x: 0.01, xanchor: "left", y: 0.04, yanchor: "bottom", bgcolor: "rgba(255,255,255,0.8)" };
  return {
    data,
    layout: lineLayout(options.title, options.height ?? 380, 100, legend,
      { title: { text: "training progress (epochs)" }, dtick: epochs <= 20 ? 1 : undefined, range: [0, epochs] },
      { title: { text: "learning rate α" }, rangemode: "tozero", exponentformat: "none" }),
  };
}
