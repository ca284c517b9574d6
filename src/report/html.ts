// The self-contained HTML report of a training or evaluation run: loss and accuracy curves
// (uPlot, inlined), confusion matrix, per-class precision / recall / F1, hyper-parameters,
// throughput. Pure (no Node built-ins): `renderReport` also runs in a browser.
//
// The page loads nothing: uPlot's JS and CSS are inlined from `assets`, the data travels as JSON in
// <script type="application/json" id="report-data">, and a Content-Security-Policy with
// default-src 'none' blocks any request. Tables are rendered here as static HTML (readable without
// JavaScript); only the charts are drawn in the page. After drawing, the page sets
// window.__wasmMlpReport = { charts: [{ id, series: [{ label, points }] }], errors: string[] }.
//
// Accuracies are fractions in [0, 1] (shown as percentages); every user-supplied string is escaped.

import { InputError } from '../errors.js';
import type { Architecture } from '../types.js';
import { perClassMetrics, type ClassMetrics } from './metrics.js';

/** One epoch of training history. Accuracies are fractions in [0, 1]. */
export interface EpochRecord {
  epoch: number;
  loss: number;
  trainAccuracy: number;
  validationLoss?: number;
  validationAccuracy?: number;
  testAccuracy?: number;
  samplesPerSecond: number;
  seconds: number;
}

export interface ReportInput {
  title: string;
  kind: 'train' | 'evaluate';
  /** shown as given, e.g. an ISO timestamp; omitted when absent (renderReport stays deterministic) */
  createdAt?: string;
  architecture: Architecture;
  hyperparameters: Record<string, string | number | boolean>;
  dataset?: string;
  history?: EpochRecord[];
  /** matrix[t][p]: rows = true class, columns = predicted class; labels.length = classes */
  confusion?: { labels: string[]; matrix: number[][] };
  /** extra headline figures; numbers are shown with up to 6 significant digits, strings as given */
  summary?: Record<string, string | number>;
}

export interface ReportAssets {
  /** uPlot's IIFE build (dist/uPlot.iife.min.js), defines the global `uPlot` */
  uplotJs: string;
  /** uPlot's stylesheet (dist/uPlot.min.css) */
  uplotCss: string;
}

type HistoryKey = 'loss' | 'trainAccuracy' | 'validationLoss' | 'validationAccuracy' | 'testAccuracy';

/** A chart as the page receives it: the series values are read from `history` by key. */
interface ChartSpec {
  id: string;
  title: string;
  percent: boolean;
  series: { key: HistoryKey; label: string; color: string; dash?: number[] }[];
}

const COLORS = { train: '#2563eb', validation: '#ea580c', test: '#059669' };

const CHARTS: ChartSpec[] = [
  {
    id: 'loss',
    title: 'Loss',
    percent: false,
    series: [
      { key: 'loss', label: 'train loss', color: COLORS.train },
      { key: 'validationLoss', label: 'validation loss', color: COLORS.validation, dash: [6, 4] },
    ],
  },
  {
    id: 'accuracy',
    title: 'Accuracy',
    percent: true,
    series: [
      { key: 'trainAccuracy', label: 'train accuracy', color: COLORS.train },
      { key: 'validationAccuracy', label: 'validation accuracy', color: COLORS.validation, dash: [6, 4] },
      { key: 'testAccuracy', label: 'test accuracy', color: COLORS.test, dash: [2, 3] },
    ],
  },
];

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;',
  );
}

/** JSON safe inside a <script> element: no `<`, `>`, `&` (so no `</script>` or `<!--`), and
 * U+2028/2029 escaped. NaN and Infinity become null (JSON.stringify). */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const DASH = '—';

function fmtPercent(v: number | null | undefined, digits = 2): string {
  return isNum(v) ? `${(v * 100).toFixed(digits)}%` : DASH;
}
function fmtFixed(v: number | null | undefined, digits = 4): string {
  return isNum(v) ? v.toFixed(digits) : DASH;
}
function fmtInt(v: number | null | undefined): string {
  return isNum(v) ? Math.round(v).toLocaleString('en-US') : DASH;
}
function fmtNumber(v: number): string {
  if (!isNum(v)) return DASH;
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return String(Number(v.toPrecision(6)));
}
function fmtSeconds(v: number | null | undefined): string {
  if (!isNum(v)) return DASH;
  if (v < 60) return `${v.toFixed(2)} s`;
  const m = Math.floor(v / 60);
  const s = v - m * 60;
  return m < 60 ? `${m} min ${s.toFixed(0)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
function fmtValue(v: string | number | boolean): string {
  if (typeof v === 'number') return isNum(v) ? String(v) : DASH;
  return String(v);
}

function validate(input: ReportInput): void {
  if (input.kind !== 'train' && input.kind !== 'evaluate') {
    throw new InputError(`renderReport: kind must be 'train' or 'evaluate', got ${String(input.kind)}`);
  }
  if (!input.architecture || !Array.isArray(input.architecture.layers)) {
    throw new InputError('renderReport: architecture.layers must be an array of layer sizes');
  }
  if (input.history !== undefined) {
    if (!Array.isArray(input.history)) throw new InputError('renderReport: history must be an array of epochs');
    input.history.forEach((h, i) => {
      if (!h || !isNum(h.epoch)) throw new InputError(`renderReport: history[${i}].epoch must be a finite number, got ${h?.epoch}`);
    });
  }
  if (input.confusion) {
    const { labels, matrix } = input.confusion;
    if (!Array.isArray(labels) || !Array.isArray(matrix) || labels.length !== matrix.length) {
      throw new InputError(
        `renderReport: confusion has ${labels?.length} labels but ${matrix?.length} matrix rows; expected one label per class`,
      );
    }
  }
}

/** Mixes white towards `rgb` by t in [0, 1]. */
function tint(rgb: [number, number, number], t: number): string {
  const c = rgb.map((x) => Math.round(255 + (x - 255) * t));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}
const DIAG_RGB: [number, number, number] = [37, 99, 235];
const OFF_RGB: [number, number, number] = [234, 88, 12];

function renderConfusion(labels: string[], matrix: number[][], m: ClassMetrics): string {
  const n = labels.length;
  const predictedCount = new Array<number>(n).fill(0);
  for (let t = 0; t < n; t++) for (let p = 0; p < n; p++) predictedCount[p] += matrix[t][p];
  const head = labels
    .map((l, p) => `<th scope="col" class="cm-col" title="predicted: ${escapeHtml(l)}"><span>${escapeHtml(l)}</span></th>`)
    .join('');
  const rows: string[] = [];
  for (let t = 0; t < n; t++) {
    const cells: string[] = [];
    for (let p = 0; p < n; p++) {
      const v = matrix[t][p];
      const share = m.support[t] > 0 ? v / m.support[t] : null;
      // square-root scale: a 1% confusion is still visible next to a 99% diagonal
      const shade = share === null || v === 0 ? 0 : Math.sqrt(share);
      const bg = shade === 0 ? '' : ` style="background:${tint(t === p ? DIAG_RGB : OFF_RGB, shade)}${shade > 0.62 ? ';color:#fff' : ''}"`;
      const cls = `cm-cell${t === p ? ' cm-diag' : ''}${v === 0 ? ' cm-zero' : ''}`;
      const tip = `true: ${labels[t]} · predicted: ${labels[p]} · ${fmtInt(v)}${share === null ? '' : ` (${fmtPercent(share, 1)} of ${labels[t]})`}`;
      cells.push(`<td class="${cls}" data-true="${t}" data-pred="${p}" title="${escapeHtml(tip)}"${bg}>${fmtInt(v)}</td>`);
    }
    rows.push(
      `<tr><th scope="row" class="cm-row" title="true: ${escapeHtml(labels[t])}">${escapeHtml(labels[t])}</th>${cells.join('')}<td class="cm-total">${fmtInt(m.support[t])}</td></tr>`,
    );
  }
  const foot = predictedCount.map((c) => `<td class="cm-total">${fmtInt(c)}</td>`).join('');
  return `<div class="scroll"><table class="confusion" id="confusion-matrix">
<thead><tr><th class="cm-corner"><span class="cm-axis-pred">predicted →</span><span class="cm-axis-true">true ↓</span></th>${head}<th scope="col" class="cm-total-h">total</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
<tfoot><tr><th scope="row" class="cm-total-h">total</th>${foot}<td class="cm-total cm-grand">${fmtInt(m.total)}</td></tr></tfoot>
</table></div>
<div class="legend">
<span class="scale"><span class="bar" style="background:linear-gradient(90deg,#fff,${tint(DIAG_RGB, 1)})"></span>correct</span>
<span class="scale"><span class="bar" style="background:linear-gradient(90deg,#fff,${tint(OFF_RGB, 1)})"></span>confused</span>
<span class="note">Shade: share of the true class (row), square-root scale. Hover a cell for details.</span>
</div>`;
}

function meanOf(values: (number | null)[]): number | null {
  const xs = values.filter(isNum);
  return xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
}

function barCell(v: number | null): string {
  return isNum(v)
    ? `<td class="num bar-cell" style="--v:${Math.max(0, Math.min(1, v)).toFixed(4)}">${fmtPercent(v)}</td>`
    : `<td class="num na">${DASH}</td>`;
}

function renderClassMetrics(labels: string[], m: ClassMetrics): string {
  const rows = labels.map(
    (l, c) =>
      `<tr><th scope="row">${escapeHtml(l)}</th>${barCell(m.precision[c])}${barCell(m.recall[c])}${barCell(m.f1[c])}<td class="num">${fmtInt(m.support[c])}</td></tr>`,
  );
  return `<div class="scroll"><table class="metrics" id="class-metrics">
<thead><tr><th scope="col">class</th><th scope="col" class="num">precision</th><th scope="col" class="num">recall</th><th scope="col" class="num">F1</th><th scope="col" class="num">support</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
<tfoot>
<tr><th scope="row">macro average</th><td class="num">${fmtPercent(meanOf(m.precision))}</td><td class="num">${fmtPercent(meanOf(m.recall))}</td><td class="num">${fmtPercent(m.macroF1)}</td><td class="num">${fmtInt(m.total)}</td></tr>
<tr><th scope="row">accuracy</th><td></td><td></td><td class="num">${fmtPercent(m.accuracy)}</td><td class="num">${fmtInt(m.total)}</td></tr>
</tfoot>
</table></div>
<p class="hint">Precision: correct among predicted as the class (column). Recall: correct among the class's true samples (row). ${DASH} where the denominator is zero.</p>`;
}

function card(label: string, value: string, sub?: string): string {
  return `<div class="card"><div class="card-label">${escapeHtml(label)}</div><div class="card-value">${escapeHtml(value)}</div>${
    sub ? `<div class="card-sub">${escapeHtml(sub)}</div>` : ''
  }</div>`;
}

function last<T>(xs: T[], pick: (x: T) => number | undefined): number | undefined {
  for (let i = xs.length - 1; i >= 0; i--) {
    const v = pick(xs[i]);
    if (isNum(v)) return v;
  }
  return undefined;
}

function renderCards(input: ReportInput, history: EpochRecord[], m: ClassMetrics | null): string {
  const cards: string[] = [];
  if (history.length > 0) {
    cards.push(card('Epochs', fmtInt(history.length)));
    cards.push(card('Final train loss', fmtFixed(last(history, (h) => h.loss))));
    cards.push(card('Final train accuracy', fmtPercent(last(history, (h) => h.trainAccuracy))));
    const val = last(history, (h) => h.validationAccuracy);
    if (val !== undefined) {
      const best = Math.max(...history.map((h) => h.validationAccuracy).filter(isNum));
      cards.push(card('Final validation accuracy', fmtPercent(val), `best ${fmtPercent(best)}`));
    }
    const test = last(history, (h) => h.testAccuracy);
    if (test !== undefined) cards.push(card('Final test accuracy', fmtPercent(test)));
    const rates = history.map((h) => h.samplesPerSecond).filter(isNum);
    if (rates.length > 0) {
      const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
      cards.push(card('Throughput', fmtInt(mean), 'samples/s, mean over epochs'));
    }
    const secs = history.map((h) => h.seconds).filter(isNum);
    if (secs.length > 0) cards.push(card('Training time', fmtSeconds(secs.reduce((a, b) => a + b, 0))));
  }
  if (m) {
    cards.push(card('Accuracy', fmtPercent(m.accuracy), `${fmtInt(m.total)} samples in the matrix`));
    cards.push(card('Macro F1', fmtPercent(m.macroF1)));
  }
  for (const [k, v] of Object.entries(input.summary ?? {})) {
    cards.push(card(k, typeof v === 'number' ? fmtNumber(v) : String(v)));
  }
  return cards.length === 0 ? '' : `<section class="cards">${cards.join('')}</section>`;
}

function renderParameters(input: ReportInput): string {
  const a = input.architecture;
  let params = 0;
  for (let l = 0; l + 1 < a.layers.length; l++) params += a.layers[l] * a.layers[l + 1] + a.layers[l + 1];
  const model: [string, string][] = [
    ['layers', a.layers.map((n) => fmtValue(n)).join(' → ')],
    ['hidden activation', String(a.hidden)],
    ['output', String(a.output)],
    ['parameters', fmtInt(params)],
  ];
  const hp = Object.entries(input.hyperparameters ?? {}).map(([k, v]): [string, string] => [k, fmtValue(v)]);
  const table = (id: string, caption: string, rows: [string, string][]) =>
    `<table class="kv" id="${id}"><caption>${caption}</caption><tbody>${
      rows.length === 0
        ? `<tr><td class="na">none recorded</td></tr>`
        : rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')
    }</tbody></table>`;
  return `<div class="kv-grid">${table('architecture', 'Model', model)}${table('hyperparameters', 'Hyper-parameters', hp)}</div>`;
}

function renderHistoryTable(history: EpochRecord[]): string {
  const cols: { key: keyof EpochRecord; label: string; fmt: (v: number | undefined) => string }[] = [
    { key: 'epoch', label: 'epoch', fmt: (v) => fmtValue(v ?? NaN) },
    { key: 'loss', label: 'train loss', fmt: (v) => fmtFixed(v) },
    { key: 'trainAccuracy', label: 'train acc.', fmt: (v) => fmtPercent(v) },
    { key: 'validationLoss', label: 'val. loss', fmt: (v) => fmtFixed(v) },
    { key: 'validationAccuracy', label: 'val. acc.', fmt: (v) => fmtPercent(v) },
    { key: 'testAccuracy', label: 'test acc.', fmt: (v) => fmtPercent(v) },
    { key: 'samplesPerSecond', label: 'samples/s', fmt: (v) => fmtInt(v) },
    { key: 'seconds', label: 'time', fmt: (v) => fmtSeconds(v) },
  ];
  const shown = cols.filter((c) => history.some((h) => h[c.key] !== undefined));
  const head = shown.map((c) => `<th scope="col" class="num">${c.label}</th>`).join('');
  const rows = history.map((h) => `<tr>${shown.map((c) => `<td class="num">${c.fmt(h[c.key])}</td>`).join('')}</tr>`);
  return `<details class="epochs"><summary>Per-epoch values (${history.length})</summary><div class="scroll"><table class="metrics" id="epoch-table"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></div></details>`;
}

/** Renders the whole report page. Throws InputError on an inconsistent input. */
export function renderReport(input: ReportInput, assets: ReportAssets): string {
  validate(input);
  const history = [...(input.history ?? [])].sort((a, b) => a.epoch - b.epoch);
  const labels = input.confusion ? input.confusion.labels.map((l) => String(l)) : [];
  const metrics = input.confusion ? perClassMetrics(input.confusion.matrix) : null;

  const charts = history.length === 0
    ? []
    : CHARTS.map((c) => ({ ...c, series: c.series.filter((s) => history.some((h) => isNum(h[s.key]))) })).filter(
        (c) => c.series.length > 0,
      );

  const data = {
    format: 'wasm-mlp-report',
    version: 1,
    title: input.title,
    kind: input.kind,
    createdAt: input.createdAt ?? null,
    dataset: input.dataset ?? null,
    architecture: input.architecture,
    hyperparameters: input.hyperparameters ?? {},
    history,
    confusion: input.confusion ? { labels, matrix: input.confusion.matrix } : null,
    metrics,
    summary: input.summary ?? {},
    charts,
  };

  const meta: string[] = [`<span class="badge badge-${input.kind}">${input.kind === 'train' ? 'training' : 'evaluation'}</span>`];
  if (input.dataset) meta.push(`<span>dataset <b>${escapeHtml(input.dataset)}</b></span>`);
  meta.push(`<span>network <b>${escapeHtml(input.architecture.layers.map((n) => fmtValue(n)).join('–'))}</b></span>`);
  if (input.createdAt) meta.push(`<span>${escapeHtml(input.createdAt)}</span>`);

  const sections: string[] = [];
  if (charts.length > 0) {
    sections.push(`<section><h2>Training curves</h2><div class="charts">${charts
      .map((c) => `<figure class="chart-card"><figcaption>${escapeHtml(c.title)}</figcaption><div class="chart" id="chart-${c.id}"></div></figure>`)
      .join('')}</div>${renderHistoryTable(history)}</section>`);
  } else if (input.kind === 'train') {
    sections.push(`<section><h2>Training curves</h2><p class="na">No epochs were recorded.</p></section>`);
  }
  if (input.confusion && metrics) {
    sections.push(`<section><h2>Confusion matrix</h2><p class="hint">Rows: true class. Columns: predicted class.</p>${renderConfusion(labels, input.confusion.matrix, metrics)}</section>`);
    sections.push(`<section><h2>Per-class metrics</h2>${renderClassMetrics(labels, metrics)}</section>`);
  }
  sections.push(`<section><h2>Configuration</h2>${renderParameters(input)}</section>`);

  const safeCss = assets.uplotCss.replace(/<\/(style)/gi, '<\\/$1');
  const safeJs = (js: string) => js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="generator" content="wasm-mlp">
<title>${escapeHtml(input.title)}</title>
<style>${safeCss}</style>
<style>${PAGE_CSS}</style>
</head>
<body>
<main>
<header><h1>${escapeHtml(input.title)}</h1><div class="meta">${meta.join('')}</div></header>
${renderCards(input, history, metrics)}
${sections.join('\n')}
<footer>Generated by wasm-mlp. Charts by uPlot (MIT licence, © Leon Sorokin), embedded in this file.</footer>
</main>
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
<script>${safeJs(assets.uplotJs)}</script>
<script>${CLIENT_JS}</script>
</body>
</html>
`;
}

const PAGE_CSS = `
:root { color-scheme: light; --fg: #0f172a; --muted: #64748b; --line: #e2e8f0; --bg: #f8fafc; --panel: #fff; --accent: #2563eb; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 28px 24px 40px; }
header h1 { margin: 0 0 6px; font-size: 24px; font-weight: 650; letter-spacing: -0.01em; overflow-wrap: anywhere; }
.meta { display: flex; flex-wrap: wrap; gap: 6px 18px; align-items: center; color: var(--muted); }
.meta b { color: var(--fg); font-weight: 600; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: .04em; }
.badge-train { background: #dbeafe; color: #1e40af; }
.badge-evaluate { background: #dcfce7; color: #166534; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(165px, 100%), 1fr)); gap: 12px; margin: 22px 0 8px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; min-width: 0; }
.card-label { color: var(--muted); font-size: 12px; overflow-wrap: anywhere; }
.card-value { font-size: 20px; font-weight: 650; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.card-sub { color: var(--muted); font-size: 12px; }
section { margin-top: 28px; }
h2 { font-size: 16px; font-weight: 650; margin: 0 0 10px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(420px, 100%), 1fr)); gap: 16px; }
.chart-card { margin: 0; background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 12px 12px 6px; min-width: 0; }
.chart-card figcaption { font-weight: 600; margin: 0 0 4px 4px; }
.chart { min-height: 300px; width: 100%; }
.chart .u-legend { font-size: 12px; }
.chart .u-legend .u-series > * { padding: 2px 4px; }
.chart-error { color: #b91c1c; padding: 12px; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
.hint { color: var(--muted); font-size: 12px; margin: 0 0 8px; }
.na { color: var(--muted); }
.confusion { background: var(--panel); border: 1px solid var(--line); }
.confusion th, .confusion td { border: 1px solid var(--line); }
.confusion td.cm-cell { min-width: 52px; height: 38px; padding: 4px 8px; text-align: center; font-size: 13px; }
.confusion td.cm-zero { color: #cbd5e1; }
.confusion td.cm-diag { font-weight: 650; }
.confusion th { font-weight: 600; font-size: 12px; padding: 4px 8px; background: #f1f5f9; }
.confusion th.cm-row { text-align: right; max-width: 12em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.confusion th.cm-col span { display: block; max-width: 7em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; margin: 0 auto; }
.confusion th.cm-corner { font-weight: 500; color: var(--muted); text-align: left; line-height: 1.25; }
.confusion th.cm-corner span { display: block; }
.confusion th.cm-corner .cm-axis-pred { text-align: right; }
.confusion td.cm-total { color: var(--muted); text-align: center; font-size: 12px; padding: 4px 8px; background: #f8fafc; }
.confusion th.cm-total-h { color: var(--muted); font-weight: 500; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; align-items: center; margin-top: 8px; color: var(--muted); font-size: 12px; }
.legend .scale { display: inline-flex; align-items: center; gap: 6px; }
.legend .bar { display: inline-block; width: 72px; height: 10px; border-radius: 3px; border: 1px solid var(--line); }
table.metrics { background: var(--panel); border: 1px solid var(--line); min-width: 460px; }
table.metrics th, table.metrics td { padding: 5px 12px; border-bottom: 1px solid var(--line); }
table.metrics thead th { background: #f1f5f9; font-size: 12px; font-weight: 600; text-align: left; }
table.metrics tbody th { text-align: left; font-weight: 500; max-width: 16em; overflow-wrap: anywhere; }
table.metrics tfoot th { text-align: left; font-weight: 600; }
table.metrics tfoot td, table.metrics tfoot th { background: #f8fafc; }
.num { text-align: right !important; white-space: nowrap; }
td.bar-cell { background: linear-gradient(90deg, rgba(37, 99, 235, .13) calc(var(--v) * 100%), transparent 0); }
.kv-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(300px, 100%), 1fr)); gap: 16px; align-items: start; }
table.kv { width: 100%; background: var(--panel); border: 1px solid var(--line); border-radius: 10px; border-collapse: separate; border-spacing: 0; overflow: hidden; }
table.kv caption { text-align: left; font-weight: 600; padding: 0 0 6px 2px; }
table.kv th, table.kv td { padding: 6px 12px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
table.kv tr:last-child th, table.kv tr:last-child td { border-bottom: 0; }
table.kv th { width: 40%; color: var(--muted); font-weight: 500; overflow-wrap: anywhere; }
table.kv td { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; overflow-wrap: anywhere; }
details.epochs { margin-top: 12px; }
details.epochs summary { cursor: pointer; color: var(--accent); font-weight: 500; margin-bottom: 8px; }
footer { margin-top: 36px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 12px; }
@media print { body { background: #fff; } .card, .chart-card, table { break-inside: avoid; } details.epochs > * { display: block; } }
`;

// Runs in the page. Plain ES2017, no template literals (this file embeds it in one).
const CLIENT_JS = `
(function () {
  'use strict';
  var state = { charts: [], errors: [] };
  var plots = [];
  function isNum(v) { return typeof v === 'number' && isFinite(v); }
  function pct(v, d) { return isNum(v) ? (v * 100).toFixed(d) + '%' : '\\u2014'; }
  function fixed(v) { return isNum(v) ? v.toFixed(4) : '\\u2014'; }
  function fail(el, msg) {
    state.errors.push(msg);
    if (el) { el.textContent = msg; el.className += ' chart-error'; }
    console.error('wasm-mlp report: ' + msg);
  }
  function widthOf(el) { return Math.max(260, Math.floor(el.clientWidth)); }
  function drawChart(spec, history) {
    var el = document.getElementById('chart-' + spec.id);
    if (!el) { fail(null, 'missing chart container ' + spec.id); return; }
    var xs = history.map(function (h) { return h.epoch; });
    var data = [xs];
    var series = [{ label: 'epoch', value: function (u, v) { return v == null ? '\\u2014' : String(v); } }];
    var showPoints = xs.length <= 40;
    spec.series.forEach(function (s) {
      data.push(history.map(function (h) { return isNum(h[s.key]) ? h[s.key] : null; }));
      series.push({
        label: s.label,
        stroke: s.color,
        width: 2,
        dash: s.dash,
        spanGaps: true,
        points: { show: showPoints, size: 6, width: 1.5, fill: '#fff', stroke: s.color },
        value: function (u, v) { return spec.percent ? pct(v, 2) : fixed(v); }
      });
    });
    var axisFont = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
    var axisStyle = { stroke: '#475569', font: axisFont, labelFont: axisFont, grid: { stroke: '#eef2f7', width: 1 }, ticks: { stroke: '#cbd5e1', width: 1, size: 4 } };
    function yRange(u, min, max) {
      if (!isNum(min) || !isNum(max)) return spec.percent ? [0, 1] : [0, 1];
      var span = max - min;
      var pad = span > 0 ? span * 0.12 : (Math.abs(max) * 0.05 || 0.05);
      var lo = min - pad, hi = max + pad;
      if (spec.percent) { lo = Math.max(0, lo); hi = Math.min(1, hi); if (hi <= lo) { lo = Math.max(0, hi - 0.1); } }
      else if (min >= 0) { lo = Math.max(0, lo); }
      return [lo, hi];
    }
    var opts = {
      width: widthOf(el),
      height: 280,
      scales: {
        x: { time: false, range: function (u, min, max) { return min === max ? [min - 0.5, max + 0.5] : [min, max]; } },
        y: { range: yRange }
      },
      axes: [
        Object.assign({}, axisStyle, {
          label: 'epoch', labelSize: 20, size: 34,
          incrs: [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000],
          values: function (u, splits) { return splits.map(function (v) { return String(v); }); }
        }),
        Object.assign({}, axisStyle, {
          label: spec.percent ? 'accuracy' : 'loss', labelSize: 22, size: 58,
          values: function (u, splits, axisIdx, space, incr) {
            if (spec.percent) {
              var d = Math.max(0, Math.min(3, -Math.floor(Math.log10(incr * 100) + 1e-9)));
              return splits.map(function (v) { return (v * 100).toFixed(d) + '%'; });
            }
            var dl = Math.max(0, Math.min(6, -Math.floor(Math.log10(incr) + 1e-9)));
            return splits.map(function (v) { return v.toFixed(dl); });
          }
        })
      ],
      series: series,
      legend: { live: true },
      cursor: { drag: { x: false, y: false } }
    };
    var u = new uPlot(opts, data, el);
    plots.push({ u: u, el: el });
    state.charts.push({
      id: spec.id,
      series: u.series.slice(1).map(function (s, i) {
        return { label: s.label, points: u.data[i + 1].filter(isNum).length };
      })
    });
  }
  try {
    var report = JSON.parse(document.getElementById('report-data').textContent);
    if (report.charts.length > 0 && typeof uPlot !== 'function') throw new Error('uPlot did not load');
    report.charts.forEach(function (spec) {
      try { drawChart(spec, report.history); }
      catch (e) { fail(document.getElementById('chart-' + spec.id), 'chart ' + spec.id + ' failed: ' + (e && e.message || e)); }
    });
  } catch (e) {
    fail(null, 'report data unreadable: ' + (e && e.message || e));
  }
  var pending = 0;
  window.addEventListener('resize', function () {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(function () {
      plots.forEach(function (p) { p.u.setSize({ width: widthOf(p.el), height: 280 }); });
    });
  });
  window.__wasmMlpReport = state;
})();
`;
