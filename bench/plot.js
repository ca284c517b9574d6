// The width and batch sweeps as one SVG picture for BENCHMARKS.md: two panels (GFLOP/s of the
// whole step over the hidden width, and over the batch), a line per thread count, each point the
// median over the runs with a bar from its min to its max (three 1024-wide layers: a point apart). Plain SVG text, no dependency: a
// GitHub page shows it as an image, and it is regenerated with the tables (bench/run.js, --from).

const W = 860, H = 330, PANEL = 380, TOP = 44, PLOT_H = 220, LEFT = 56, GAP = 44;
const STYLE = { 1: { color: '#1f6fb2', dash: '' }, 2: { color: '#d1495b', dash: '6 4' } };
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (v) => Number(v.toFixed(1));

/** A round step for an axis from 0 to `max` with about 5 lines. */
export function niceStep(max) {
  const raw = max / 5, p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw);
}

/** The points of one panel: x positions evenly spaced in the order of the sweep. */
function panel(rows, threads, x0, title, yMax) {
  const out = [];
  const n = rows.length, dx = PANEL / Math.max(1, n);
  const X = (i) => x0 + dx * (i + 0.5);
  const Y = (v) => TOP + PLOT_H * (1 - v / yMax);
  const step = niceStep(yMax);
  out.push(`<text x="${num(x0 + PANEL / 2)}" y="${TOP - 14}" text-anchor="middle" font-weight="bold">${esc(title)}</text>`);
  for (let v = 0; v <= yMax + 1e-9; v += step) {
    out.push(`<line x1="${x0}" x2="${x0 + PANEL}" y1="${num(Y(v))}" y2="${num(Y(v))}" stroke="#ddd"/>`);
    out.push(`<text x="${x0 - 6}" y="${num(Y(v) + 4)}" text-anchor="end">${Number(v.toPrecision(6))}</text>`);
  }
  out.push(`<line x1="${x0}" x2="${x0}" y1="${TOP}" y2="${TOP + PLOT_H}" stroke="#888"/>`);
  out.push(`<line x1="${x0}" x2="${x0 + PANEL}" y1="${TOP + PLOT_H}" y2="${TOP + PLOT_H}" stroke="#888"/>`);
  // a point of another shape (three 1024-wide layers, label 1024-1024-1024) stands apart: no line to it
  const apart = (r) => r.label.includes('-');
  const label = (r) => (apart(r) ? `${r.label.split('-').length}×${r.label.split('-')[0]}` : r.label);
  rows.forEach((r, i) => out.push(`<text x="${num(X(i))}" y="${TOP + PLOT_H + 16}" text-anchor="middle">${esc(label(r))}</text>`));
  for (const T of threads) {
    const s = STYLE[T] ?? { color: '#555', dash: '2 2' };
    const pts = rows.map((r, i) => (apart(r) ? null : `${num(X(i))},${num(Y(r.gflops[T].median))}`)).filter(Boolean).join(' ');
    out.push(`<polyline data-threads="${T}" points="${pts}" fill="none" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}"/>`);
    rows.forEach((r, i) => {
      const g = r.gflops[T];
      out.push(`<line x1="${num(X(i))}" x2="${num(X(i))}" y1="${num(Y(g.min))}" y2="${num(Y(g.max))}" stroke="${s.color}" stroke-width="1"/>`);
      out.push(`<circle cx="${num(X(i))}" cy="${num(Y(g.median))}" r="3" fill="${s.color}"/>`);
    });
  }
  return out;
}

/**
 * @param {{ threads: number[], runs: number, rows: { sweep: 'width'|'batch', label: string, gflops: Record<number, { median: number, min: number, max: number }> }[] }} sweep
 * @param {{ caption?: string }} [o]
 * @returns {string} an SVG document
 */
export function sweepSvg(sweep, { caption = '' } = {}) {
  const width = sweep.rows.filter((r) => r.sweep === 'width');
  const batch = sweep.rows.filter((r) => r.sweep === 'batch');
  const yTop = Math.max(...sweep.rows.flatMap((r) => sweep.threads.map((T) => r.gflops[T].max)));
  const step = niceStep(yTop);
  const yMax = Math.ceil(yTop / step) * step;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="14" y="${TOP + PLOT_H / 2}" transform="rotate(-90 14 ${TOP + PLOT_H / 2})" text-anchor="middle">GFLOP/s of the whole step</text>`,
    ...panel(width, sweep.threads, LEFT, 'hidden width (784-W-10, batch 64)', yMax),
    ...panel(batch, sweep.threads, LEFT + PANEL + GAP, 'batch (784-128-10)', yMax),
  ];
  sweep.threads.forEach((T, i) => {
    const s = STYLE[T] ?? { color: '#555', dash: '2 2' };
    const x = LEFT + 10 + 150 * i, y = H - 22;
    out.push(`<line x1="${x}" x2="${x + 26}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}"/>`);
    out.push(`<text x="${x + 32}" y="${y + 4}">${T} thread${T > 1 ? 's' : ''}</text>`);
  });
  out.push(`<text x="${LEFT + 10 + 150 * sweep.threads.length}" y="${H - 18}">median of ${sweep.runs} runs, bars min–max${caption ? `; ${esc(caption)}` : ''}</text>`);
  out.push('</svg>', '');
  return out.join('\n');
}
