// CSV reader for classification data: numeric feature columns and one integer label column.
// Pure (no Node built-ins). Quoting follows RFC 4180 (quoted cells may hold delimiters, "" and
// newlines); LF and CRLF line ends; a leading BOM is skipped; blank lines are allowed only at the
// end. Error locations: `line` is the 1-based text line, `column` the 1-based CSV column (field).
// Rows are streamed into growing typed arrays, so no per-row JS arrays of numbers are kept.

import { DataFormatError } from '../errors.js';
import type { Dataset } from '../types.js';

export interface CsvOptions {
  /** header name or 0-based index of the label column; default the last column; null: no label
   * column (features only, e.g. rows to predict), then y is empty and classes 0 */
  labelColumn?: string | number | null;
  /** 'auto' (default): the first row is a header when one of its cells is not a number */
  header?: boolean | 'auto';
  /** named in error messages */
  file?: string;
  delimiter?: ',' | ';' | '\t';
}

/** x is (n, features) row-major, y (n) class indices (empty without a label column). */
export interface CsvDataset extends Dataset<Int32Array> {
  /** header names of the feature columns, or column_1, column_2, … without a header */
  featureNames: string[];
  /** max label + 1 (0 without a label column) */
  classes: number;
}

interface Row {
  cells: string[];
  /** text line where each cell starts */
  lines: number[];
  /** whether any cell was quoted: a row holding only "" is a value, not a blank line */
  quoted: boolean;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;
const MAX_LABEL = 2 ** 31 - 2;

const quote = (s: string): string => JSON.stringify(s.length > 40 ? s.slice(0, 40) + '…' : s);

function isNumber(s: string): boolean {
  return NUMBER.test(s.trim());
}

class Reader {
  pos = 0;
  line = 1;
  constructor(private readonly text: string, private readonly delim: number, private readonly fail: (msg: string, line: number, column: number) => never) {}

  next(): Row | null {
    const text = this.text;
    const len = text.length;
    if (this.pos >= len) return null;
    const cells: string[] = [];
    const lines: number[] = [];
    let quoted = false;
    for (;;) {
      const startLine = this.line;
      let cell: string;
      if (text.charCodeAt(this.pos) === 34 /* " */) {
        quoted = true;
        let pos = this.pos + 1;
        cell = '';
        for (;;) {
          const q = text.indexOf('"', pos);
          if (q < 0) this.fail('unterminated quoted cell: no closing quote before the end of the file', startLine, cells.length + 1);
          cell += text.slice(pos, q);
          this.countLines(pos, q);
          if (text.charCodeAt(q + 1) === 34) {
            cell += '"';
            pos = q + 2;
          } else {
            pos = q + 1;
            break;
          }
        }
        this.pos = pos;
        const c = pos < len ? text.charCodeAt(pos) : -1;
        if (c !== -1 && c !== this.delim && c !== 10 && c !== 13) {
          this.fail(`unexpected character ${quote(text[pos])} after a closing quote: expected a delimiter or the end of the line`, this.line, cells.length + 1);
        }
      } else {
        let pos = this.pos;
        while (pos < len) {
          const c = text.charCodeAt(pos);
          if (c === this.delim || c === 10 || c === 13) break;
          pos++;
        }
        cell = text.slice(this.pos, pos);
        this.pos = pos;
      }
      cells.push(cell);
      lines.push(startLine);
      const c = this.pos < len ? text.charCodeAt(this.pos) : -1;
      if (c === this.delim) {
        this.pos++;
        continue;
      }
      if (c === 13) {
        this.pos++;
        if (text.charCodeAt(this.pos) === 10) this.pos++;
        this.line++;
      } else if (c === 10) {
        this.pos++;
        this.line++;
      }
      return { cells, lines, quoted };
    }
  }

  private countLines(from: number, to: number): void {
    const text = this.text;
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) this.line++;
    }
  }
}

export function parseCsv(text: string, opts: CsvOptions = {}): CsvDataset {
  const file = opts.file;
  const name = file ?? 'CSV';
  const fail = (msg: string, line: number, column: number): never => {
    throw new DataFormatError(`${name}:${line}:${column}: ${msg}`, { file, line, column });
  };
  const delimiter = opts.delimiter ?? ',';
  if (delimiter !== ',' && delimiter !== ';' && delimiter !== '\t') {
    fail(`unsupported delimiter ${quote(String(delimiter))}: expected ",", ";" or a tab`, 1, 1);
  }
  const reader = new Reader(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, delimiter.charCodeAt(0), fail);
  const isBlank = (r: Row): boolean => !r.quoted && r.cells.length === 1 && r.cells[0].trim() === '';

  // Blank rows are remembered and only become an error if data follows them.
  let blankLine = 0;
  const nextRow = (): Row | null => {
    for (;;) {
      const r = reader.next();
      if (r === null) return null;
      if (isBlank(r)) {
        if (blankLine === 0) blankLine = r.lines[0];
        continue;
      }
      if (blankLine !== 0) fail('blank line inside the data: blank lines are allowed only at the end of the file', blankLine, 1);
      return r;
    }
  };

  const first = nextRow();
  if (first === null) fail('empty file: expected a header or data row', 1, 1);
  const firstRow = first as Row;
  const ncols = firstRow.cells.length;
  const lc = opts.labelColumn;
  if (ncols < 2 && lc !== null) {
    fail(`expected at least 2 columns (features and a label), found 1${delimiter === ',' ? ' (is the delimiter a comma?)' : ''}`, firstRow.lines[0], 1);
  }
  const header = opts.header === undefined || opts.header === 'auto'
    ? firstRow.cells.some((c) => !isNumber(c))
    : opts.header;

  let label: number;
  if (lc === null) {
    label = -1;
  } else if (lc === undefined) {
    label = ncols - 1;
  } else if (typeof lc === 'number') {
    if (!Number.isInteger(lc) || lc < 0 || lc >= ncols) {
      fail(`label column index ${lc} is out of range: the file has ${ncols} columns (valid 0..${ncols - 1})`, firstRow.lines[0], 1);
    }
    label = lc;
  } else {
    if (!header) fail(`label column ${quote(lc)} is a name, but the first row is data, not a header; pass a 0-based index instead`, firstRow.lines[0], 1);
    label = firstRow.cells.findIndex((c) => c.trim() === lc);
    if (label < 0) {
      fail(`label column ${quote(lc)} is not in the header; found ${firstRow.cells.map((c) => quote(c.trim())).join(', ')}`, firstRow.lines[0], 1);
    }
  }

  const features = label < 0 ? ncols : ncols - 1;
  const featureNames: string[] = [];
  for (let c = 0; c < ncols; c++) {
    if (c !== label) featureNames.push(header ? firstRow.cells[c].trim() : `column_${c + 1}`);
  }

  let cap = 256;
  let x = new Float32Array(cap * features);
  let y = new Int32Array(label < 0 ? 0 : cap);
  let n = 0;
  let maxLabel = -1;
  let lastLine = firstRow.lines[0];
  for (let row = header ? nextRow() : firstRow; row !== null; row = nextRow()) {
    const { cells, lines } = row;
    lastLine = lines[0];
    if (cells.length !== ncols) {
      fail(`ragged row: expected ${ncols} columns, found ${cells.length}`, lines[0], Math.min(cells.length, ncols) + 1);
    }
    if (n === cap) {
      cap *= 2;
      const nx = new Float32Array(cap * features);
      nx.set(x);
      x = nx;
      if (label >= 0) {
        const ny = new Int32Array(cap);
        ny.set(y);
        y = ny;
      }
    }
    let f = n * features;
    for (let c = 0; c < ncols; c++) {
      const cell = cells[c];
      const t = cell.trim();
      const ok = NUMBER.test(t);
      if (c === label) {
        const v = ok ? Number(t) : NaN;
        if (!Number.isInteger(v) || v < 0 || v > MAX_LABEL) {
          fail(`label ${quote(cell)} is not a non-negative integer (class index 0..${MAX_LABEL})`, lines[c], c + 1);
        }
        y[n] = v;
        if (v > maxLabel) maxLabel = v;
        continue;
      }
      if (!ok) {
        if (NON_FINITE.test(t)) fail(`${quote(cell)}: NaN and Infinity are not allowed in data`, lines[c], c + 1);
        fail(`non-numeric cell ${quote(cell)}: expected a number`, lines[c], c + 1);
      }
      const v = Math.fround(Number(t));
      if (!Number.isFinite(v)) fail(`${quote(cell)} is outside the float32 range (about ±3.4e38)`, lines[c], c + 1);
      x[f++] = v;
    }
    n++;
  }
  if (n === 0) fail('no data rows: the file has only a header', lastLine, 1);
  return {
    x: x.length === n * features ? x : x.slice(0, n * features),
    y: label < 0 ? y : y.length === n ? y : y.slice(0, n),
    n,
    features,
    featureNames,
    classes: maxLabel + 1,
  };
}
