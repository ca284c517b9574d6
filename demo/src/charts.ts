// The live curves: loss and accuracy against epochs (uPlot, bundled; its CSS is copied next to the
// page). x is the epoch as a fraction: batch b of B in epoch e is at e − 1 + b/B. Training series
// get a point per progress event, test series one per epoch (drawn as dots joined across the gaps).

import uPlot from 'uplot';
import { perFrame } from './dom.js';

/** The fewest decimals (1 to 3) that write every tick exactly: 0.25 stays 0.25, 0.5 is 0.5. */
function decimals(ticks: number[]): number {
  for (let d = 1; d < 3; d++) if (ticks.every((v) => Math.abs(v * 10 ** d - Math.round(v * 10 ** d)) < 1e-6)) return d;
  return 3;
}

export interface SeriesSpec { label: string; color: string; perEpoch?: boolean }

export class Curves {
  private readonly x: number[] = [];
  private readonly ys: (number | null)[][];
  private readonly plot: uPlot;
  private readonly redraw: () => void;
  /** the run's length: the x axis spans it from the start, so the curves grow to the right */
  private epochs = 1;
  /** points received since the last reset, over all series */
  points = 0;

  constructor(el: HTMLElement, series: SeriesSpec[], percent: boolean) {
    this.ys = series.map(() => []);
    const fmt = percent
      ? (ticks: number[]) => ticks.map((v) => `${Math.round(100 * v)}%`)
      : (ticks: number[]) => ticks.map((v) => v.toFixed(decimals(ticks)));
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: 200,
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        // a little room past the last epoch, so that its test point is not cut in half by the edge
        x: { time: false, range: () => [0, this.epochs * 1.015] },
        y: { range: percent ? (_u, min) => [Math.max(0, Math.floor((min ?? 0) * 10) / 10), 1] : (_u, _min, max) => [0, Math.max(0.5, max ?? 1)] },
      },
      axes: [
        { label: 'epoch', size: 36, labelSize: 14, values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? String(t) : '')) },
        { size: 54, values: (_u, ticks) => fmt(ticks) },
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label, stroke: s.color, width: 2, spanGaps: true,
          ...(s.perEpoch ? { dash: [6, 4], points: { show: true, size: 6, fill: s.color } } : { points: { show: false } }),
        })),
      ],
    };
    this.plot = new uPlot(opts, [[], ...series.map(() => [])], el);
    this.redraw = perFrame(() => this.plot.setData([this.x, ...this.ys] as uPlot.AlignedData));
    new ResizeObserver(() => {
      const width = Math.max(200, el.clientWidth);
      if (width !== this.plot.width) this.plot.setSize({ width, height: 200 });
    }).observe(el);
  }

  /** Empties the chart for a run of `epochs` epochs. */
  reset(epochs: number): void {
    this.epochs = epochs;
    this.x.length = 0;
    for (const y of this.ys) y.length = 0;
    this.points = 0;
    this.redraw();
  }

  /** One x with a value (or null) per series. */
  add(x: number, values: (number | null)[]): void {
    this.x.push(x);
    values.forEach((v, i) => { this.ys[i].push(v); if (v !== null) this.points++; });
    this.redraw();
  }
}
