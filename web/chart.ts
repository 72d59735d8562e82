// A small line chart on a canvas, for curves that grow live (the playground's loss and accuracy).

export interface Series {
  name: string;
  color: string;
  points: Array<[number, number]>;
  dashed?: boolean;
}

export interface ChartOptions {
  xLabel: string;
  yLabel: string;
  /** fixed y range; default: from the data */
  yRange?: [number, number];
  /** format of the y tick labels */
  yFormat?: (v: number) => string;
}

export function drawChart(canvas: HTMLCanvasElement, series: Series[], o: ChartOptions): void {
  const dpr = window.devicePixelRatio || 1;
  const cssW = canvas.clientWidth || 360, cssH = canvas.clientHeight || 220;
  if (canvas.width !== Math.round(cssW * dpr) || canvas.height !== Math.round(cssH * dpr)) {
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
  }
  const g = canvas.getContext("2d");
  if (g === null) return;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, cssW, cssH);
  const left = 52, right = 12, top = 26, bottom = 38;
  const w = cssW - left - right, h = cssH - top - bottom;

  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p[1]));
  const xMax = Math.max(1, ...all.map((p) => p[0]));
  let [y0, y1] = o.yRange ?? [Math.min(...all.map((p) => p[1]), 0), Math.max(...all.map((p) => p[1]), 1e-9)];
  if (!(y1 > y0)) [y0, y1] = [0, 1];
  const X = (x: number) => left + (x / xMax) * w;
  const Y = (y: number) => top + h - ((Math.min(y1, Math.max(y0, y)) - y0) / (y1 - y0)) * h;

  g.font = "12px Helvetica, Arial, sans-serif";
  g.strokeStyle = "#ddd";
  g.fillStyle = "#444";
  g.lineWidth = 1;
  g.textAlign = "right";
  g.textBaseline = "middle";
  for (let i = 0; i <= 4; i++) {
    const v = y0 + ((y1 - y0) * i) / 4;
    g.beginPath();
    g.moveTo(left, Y(v));
    g.lineTo(left + w, Y(v));
    g.stroke();
    g.fillText(o.yFormat ? o.yFormat(v) : v.toPrecision(2), left - 6, Y(v));
  }
  g.textAlign = "center";
  g.textBaseline = "top";
  const step = xMax <= 5 ? 1 : Math.ceil(xMax / 5);
  for (let x = 0; x <= xMax + 1e-9; x += step) g.fillText(String(x), X(x), top + h + 4);
  g.fillText(o.xLabel, left + w / 2, top + h + 20);
  g.save();
  g.translate(12, top + h / 2);
  g.rotate(-Math.PI / 2);
  g.fillText(o.yLabel, 0, -6);
  g.restore();

  let legendX = left;
  for (const s of series) {
    g.strokeStyle = s.color;
    g.lineWidth = 2;
    g.setLineDash(s.dashed ? [5, 4] : []);
    g.beginPath();
    s.points.forEach(([x, y], i) => (i === 0 ? g.moveTo(X(x), Y(y)) : g.lineTo(X(x), Y(y))));
    g.stroke();
    g.beginPath();
    g.moveTo(legendX, 12);
    g.lineTo(legendX + 18, 12);
    g.stroke();
    g.setLineDash([]);
    g.fillStyle = "#333";
    g.textAlign = "left";
    g.textBaseline = "middle";
    g.fillText(s.name, legendX + 22, 12);
    legendX += 30 + g.measureText(s.name).width + 12;
  }
}
