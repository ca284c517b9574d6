// The report page's script: draws the training curves with uPlot (the global from the uPlot IIFE
// inlined before this script) from the JSON in <script type="application/json" id="report-data">,
// then sets window.__wasmMlpReport = { charts: [{ id, series: [{ label, points }] }], errors }.
// A chart that fails shows its error in place of the chart; the rest of the page is static HTML.
//
// Compiled by ./tsconfig.json (browser globals only) and bundled with the modules it imports into
// one classic script by scripts/embed-report.mjs; html.ts inlines it into every report.

import { EPOCH_STEPS, PERCENT_STEPS, VALUE_STEPS, tickLabels } from '../axis.js';
import { fmtFixed, fmtNumber, fmtPercent, isNum } from '../format.js';
import type { ChartSpec, PageData, PageEpoch } from '../page-data.js';

interface ReportState {
  charts: { id: string; series: { label: string; points: number }[]; keptEpoch: number | null }[];
  errors: string[];
}

declare global {
  interface Window {
    __wasmMlpReport?: ReportState;
  }
}

const HEIGHT = 280;
const AXIS_FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const AXIS_STYLE: uPlot.Axis = {
  stroke: '#475569',
  font: AXIS_FONT,
  labelFont: AXIS_FONT,
  grid: { stroke: '#eef2f7', width: 1 },
  ticks: { stroke: '#cbd5e1', width: 1, size: 4 },
};

const state: ReportState = { charts: [], errors: [] };
const plots: { u: uPlot; el: HTMLElement }[] = [];

function fail(el: HTMLElement | null, msg: string): void {
  state.errors.push(msg);
  if (el) {
    el.textContent = msg;
    el.classList.add('chart-error');
  }
  console.error(`wasm-mlp report: ${msg}`);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const widthOf = (el: HTMLElement): number => Math.max(260, Math.floor(el.clientWidth));

/** The y range: the data with 12% padding, kept within [0, 1] for fractions and above 0 for
 * non-negative values. */
function yRange(percent: boolean, min: number, max: number): uPlot.Range {
  if (!isNum(min) || !isNum(max)) return [0, 1];
  const span = max - min;
  const pad = span > 0 ? span * 0.12 : Math.abs(max) * 0.05 || 0.05;
  let lo = min - pad;
  let hi = max + pad;
  if (percent) {
    lo = Math.max(0, lo);
    hi = Math.min(1, hi);
    if (hi <= lo) lo = Math.max(0, hi - 0.1);
  } else if (min >= 0) {
    lo = Math.max(0, lo);
  }
  return [lo, hi];
}

/** A dashed vertical line with a label at the kept epoch (early stopping). */
function keptMarker(epoch: number): (u: uPlot) => void {
  return (u: uPlot) => {
    const x = Math.round(u.valToPos(epoch, 'x', true));
    const { top, height } = u.bbox;
    const ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = '#dc2626';
    ctx.lineWidth = 1.5 * devicePixelRatio;
    ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, top + height);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = '#dc2626';
    ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
    ctx.fillText(`kept: epoch ${epoch}`, x + 4 * devicePixelRatio, top + 12 * devicePixelRatio);
    ctx.restore();
  };
}

function drawChart(spec: ChartSpec, history: PageEpoch[], keptEpoch: number | null): void {
  const el = document.getElementById(`chart-${spec.id}`);
  if (!el) {
    fail(null, `missing chart container ${spec.id}`);
    return;
  }
  const xs = history.map((h) => h.epoch);
  const data: uPlot.AlignedData = [xs];
  const series: uPlot.Series[] = [{ label: 'epoch', value: (u, v) => fmtNumber(v) }];
  const showPoints = xs.length <= 40;
  for (const s of spec.series) {
    data.push(history.map((h) => {
      const v = h[s.key];
      return isNum(v) ? v : null;
    }));
    series.push({
      label: s.label,
      stroke: s.color,
      width: 2,
      dash: s.dash,
      spanGaps: true,
      points: { show: showPoints, size: 6, width: 1.5, fill: '#fff', stroke: s.color },
      value: (u, v) => (spec.percent ? fmtPercent(v, 2) : spec.axisLabel && isNum(v) ? String(Number(v.toPrecision(4))) : fmtFixed(v)),
    });
  }
  const u = new uPlot(
    {
      width: widthOf(el),
      height: HEIGHT,
      scales: {
        x: { time: false, range: (u, min, max) => (min === max ? [min - 0.5, max + 0.5] : [min, max]) },
        y: { range: (u, min, max) => yRange(spec.percent, min, max) },
      },
      axes: [
        {
          ...AXIS_STYLE,
          label: 'epoch',
          labelSize: 20,
          size: 34,
          incrs: EPOCH_STEPS,
          values: (u, splits) => splits.map((v) => fmtNumber(v)),
        },
        {
          ...AXIS_STYLE,
          label: spec.axisLabel ?? (spec.percent ? 'accuracy' : 'loss'),
          labelSize: 22,
          size: 58,
          incrs: spec.percent ? PERCENT_STEPS : VALUE_STEPS,
          values: (u, splits, axisIdx, space, incr) => tickLabels(splits, incr, spec.percent),
        },
      ],
      series,
      legend: { live: true },
      hooks: keptEpoch === null ? {} : { draw: [keptMarker(keptEpoch)] },
      cursor: { drag: { x: false, y: false } },
    },
    data,
    el,
  );
  plots.push({ u, el });
  state.charts.push({
    id: spec.id,
    series: u.series.slice(1).map((s, i) => ({ label: s.label ?? '', points: u.data[i + 1].filter(isNum).length })),
    keptEpoch,
  });
}

try {
  const report = JSON.parse(document.getElementById('report-data')?.textContent ?? '') as PageData;
  if (report.charts.length > 0 && typeof uPlot !== 'function') throw new Error('uPlot did not load');
  for (const spec of report.charts) {
    try {
      drawChart(spec, report.history, isNum(report.keptEpoch) ? report.keptEpoch : null);
    } catch (e) {
      fail(document.getElementById(`chart-${spec.id}`), `chart ${spec.id} failed: ${errorText(e)}`);
    }
  }
} catch (e) {
  fail(null, `report data unreadable: ${errorText(e)}`);
}

let pending = 0;
window.addEventListener('resize', () => {
  cancelAnimationFrame(pending);
  pending = requestAnimationFrame(() => {
    for (const p of plots) p.u.setSize({ width: widthOf(p.el), height: HEIGHT });
  });
});

window.__wasmMlpReport = state;
