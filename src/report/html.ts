// The self-contained HTML report of a training or evaluation run: loss and accuracy curves
// (uPlot, inlined), confusion matrix, per-class precision / recall / F1, hyper-parameters,
// throughput. Pure (no Node built-ins): `renderReport` also runs in a browser.
//
// The page loads nothing: uPlot's JS and CSS are inlined from `assets`, the data travels as JSON in
// <script type="application/json" id="report-data">, and a Content-Security-Policy with
// default-src 'none' blocks any request. Tables are rendered here as static HTML (readable without
// JavaScript); only the charts are drawn in the page. After drawing, the page sets
// window.__wasmMlpReport = { charts: [{ id, series: [{ label, points }] }], errors: string[] }.
// The page's stylesheet (report.css) and script (page/main.ts) are embedded at build time by
// scripts/embed-report.mjs; number formatting is shared with the page through format.ts.
//
// Accuracies are fractions in [0, 1] (shown as percentages); every user-supplied string is escaped.

import { InputError } from '../errors.js';
import type { Architecture } from '../types.js';
import { pageJs, reportCss } from './assets.generated.js';
import { DASH, fmtFixed, fmtInt, fmtPercent, fmtSeconds, fmtSummaryValue, fmtValue, isNum } from './format.js';
import { perClassMetrics, type ClassMetrics } from './metrics.js';
import type { ChartSpec, PageData } from './page-data.js';

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
  /** the learning rate of the epoch's last step */
  learningRate?: number;
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
  /** extra headline figures, one card each; strings are shown as given, numbers formatted by name:
   * accuracy / precision / recall / F1 in [0, 1] as a percentage, "… (s)" or "seconds" as a
   * duration, "loss" with 4 decimals, anything else to 4 significant digits (integers in full) */
  summary?: Record<string, string | number>;
  /** the epoch whose parameters the run kept (early stopping): marked on every curve */
  keptEpoch?: number;
}

export interface ReportAssets {
  /** uPlot's IIFE build (dist/uPlot.iife.min.js), defines the global `uPlot` */
  uplotJs: string;
  /** uPlot's stylesheet (dist/uPlot.min.css) */
  uplotCss: string;
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
  {
    id: 'learning-rate',
    title: 'Learning rate (at each epoch\'s last step)',
    percent: false,
    axisLabel: 'learning rate',
    series: [{ key: 'learningRate', label: 'learning rate', color: '#7c3aed' }],
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

function validate(input: ReportInput): void {
  if (input.kind !== 'train' && input.kind !== 'evaluate') {
    throw new InputError(`renderReport: kind must be 'train' or 'evaluate', got ${String(input.kind)}`);
  }
  if (!input.architecture || !Array.isArray(input.architecture.layers)) {
    throw new InputError('renderReport: architecture.layers must be an array of layer sizes');
  }
  if (input.history !== undefined) {
    if (!Array.isArray(input.history)) throw new InputError('renderReport: history must be an array of epochs');
    if (input.keptEpoch !== undefined && !isNum(input.keptEpoch)) throw new InputError(`renderReport: keptEpoch must be a finite number, got ${input.keptEpoch}`);
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
    if (input.keptEpoch !== undefined) cards.push(card('Kept epoch', fmtInt(input.keptEpoch), 'early stopping: its parameters are the model'));
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
    cards.push(card(k, fmtSummaryValue(k, v)));
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
    { key: 'learningRate', label: 'learning rate', fmt: (v) => (isNum(v) ? String(Number(v.toPrecision(4))) : DASH) },
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

  const data: PageData & Record<string, unknown> = {
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
    keptEpoch: input.keptEpoch ?? null,
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

  const safeCss = (css: string) => css.replace(/<\/(style)/gi, '<\\/$1');
  const safeJs = (js: string) => js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="generator" content="wasm-mlp">
<title>${escapeHtml(input.title)}</title>
<style>${safeCss(assets.uplotCss)}</style>
<style>${safeCss(reportCss)}</style>
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
<script>${safeJs(pageJs)}</script>
</body>
</html>
`;
}
