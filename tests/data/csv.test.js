// CSV parsing: values, headers, label column, quoting, and every rejected input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv } from '../../dist/data/csv.js';
import { DataFormatError } from '../../dist/errors.js';

function rejects(text, opts, props, ...patterns) {
  assert.throws(() => parseCsv(text, { file: 'd.csv', ...opts }), (e) => {
    assert.ok(e instanceof DataFormatError, `expected DataFormatError, got ${e?.constructor?.name}: ${e?.message}`);
    assert.equal(e.file, 'd.csv');
    for (const [k, v] of Object.entries(props)) assert.equal(e[k], v, `${k} in ${e.message}`);
    assert.match(e.message, /^d\.csv:\d+:\d+: /, 'message starts with file:line:column');
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

test('parseCsv reads a header, features sample-major and the last column as label', () => {
  const d = parseCsv('a,b,label\n1,2,0\n3.5,-4e2,2\n', { file: 'd.csv' });
  assert.equal(d.n, 2);
  assert.equal(d.features, 2);
  assert.deepEqual(d.featureNames, ['a', 'b']);
  assert.ok(d.x instanceof Float32Array);
  assert.ok(d.y instanceof Int32Array);
  assert.deepEqual([...d.x], [1, 2, 3.5, -400]);
  assert.deepEqual([...d.y], [0, 2]);
  assert.equal(d.classes, 3);
});

test('parseCsv auto-detects a file without a header and names the columns', () => {
  const d = parseCsv('1,2,1\n3,4,0');
  assert.equal(d.n, 2);
  assert.deepEqual(d.featureNames, ['column_1', 'column_2']);
  assert.deepEqual([...d.x], [1, 2, 3, 4]);
});

test('parseCsv with header: true treats an all-numeric first row as a header', () => {
  const d = parseCsv('10,20,30\n1,2,0\n', { header: true });
  assert.equal(d.n, 1);
  assert.deepEqual(d.featureNames, ['10', '20']);
});

test('parseCsv with header: false makes a non-numeric first row an error, not a header', () => {
  rejects('a,b,c\n1,2,0\n', { header: false }, { line: 1, column: 1 }, /non-numeric cell "a"/);
});

test('parseCsv picks the label column by name', () => {
  const d = parseCsv('species,x,y\n2,0.5,1.5\n0,2.5,3.5\n', { labelColumn: 'species' });
  assert.deepEqual([...d.y], [2, 0]);
  assert.deepEqual(d.featureNames, ['x', 'y']);
  assert.deepEqual([...d.x], [0.5, 1.5, 2.5, 3.5]);
});

test('parseCsv picks the label column by 0-based index', () => {
  const d = parseCsv('1,5,6\n0,7,8\n', { labelColumn: 0 });
  assert.deepEqual([...d.y], [1, 0]);
  assert.deepEqual([...d.x], [5, 6, 7, 8]);
});

test('parseCsv handles RFC 4180 quoting: delimiters, doubled quotes and newlines in quoted cells', () => {
  const d = parseCsv('"a,1","say ""hi""","multi\nline"\n"1.5",2,"1"\n3,4,0\n');
  assert.deepEqual(d.featureNames, ['a,1', 'say "hi"']);
  assert.deepEqual([...d.x], [1.5, 2, 3, 4]);
  assert.deepEqual([...d.y], [1, 0]);
});

test('parseCsv accepts CRLF line ends, a BOM, spaces around numbers and trailing blank lines', () => {
  const d = parseCsv('\uFEFFa,b\r\n 1 , 0 \r\n2,1\r\n\r\n\n  \n');
  assert.equal(d.n, 2);
  assert.deepEqual([...d.x], [1, 2]);
  assert.deepEqual([...d.y], [0, 1]);
});

test('parseCsv accepts semicolon and tab delimiters', () => {
  assert.deepEqual([...parseCsv('1;2;0\n', { delimiter: ';' }).x], [1, 2]);
  assert.deepEqual([...parseCsv('1\t2\t0\n', { delimiter: '\t' }).x], [1, 2]);
});

test('parseCsv grows past its initial buffer with many rows', () => {
  const rows = Array.from({ length: 1000 }, (_, i) => `${i},${i * 2},${i % 3}`);
  const d = parseCsv(rows.join('\n'));
  assert.equal(d.n, 1000);
  assert.equal(d.x.length, 2000);
  assert.equal(d.x[1998], 999);
  assert.equal(d.y[999], 0);
  assert.equal(d.classes, 3);
});

test('parseCsv rejects an empty file', () => {
  rejects('', {}, { line: 1, column: 1 }, /empty file/);
});

test('parseCsv rejects a file of blank lines as empty', () => {
  rejects('\n\n  \r\n', {}, { line: 1, column: 1 }, /empty file/);
});

test('parseCsv rejects a header with no data rows', () => {
  rejects('a,b,label\n', {}, {}, /no data rows/);
});

test('parseCsv rejects a non-numeric cell, quoting it with its line and column', () => {
  rejects('a,b,label\n1,2,0\n3,abc,1\n', {}, { line: 3, column: 2 }, /non-numeric cell "abc"/);
});

test('parseCsv rejects an empty cell as non-numeric', () => {
  rejects('a,b,c\n1,,0\n', {}, { line: 2, column: 2 }, /non-numeric cell ""/);
});

test('parseCsv rejects hexadecimal and other forms Number() would accept', () => {
  rejects('1,0x10,0\n', { header: false }, { line: 1, column: 2 }, /non-numeric cell "0x10"/);
});

test('parseCsv rejects a row with too few columns: expected N, found M', () => {
  rejects('a,b,label\n1,2,0\n1,2\n', {}, { line: 3, column: 3 }, /ragged row: expected 3 columns, found 2/);
});

test('parseCsv rejects a row with too many columns: expected N, found M', () => {
  rejects('1,2,0\n1,2,0,9\n', {}, { line: 2, column: 4 }, /expected 3 columns, found 4/);
});

test('parseCsv rejects a blank line followed by more data', () => {
  rejects('1,2,0\n\n3,4,1\n', {}, { line: 2 }, /blank line inside the data/);
});

test('parseCsv rejects a label column name absent from the header, listing the header', () => {
  rejects('a,b,c\n1,2,0\n', { labelColumn: 'class' }, { line: 1 }, /label column "class" is not in the header/, /"a", "b", "c"/);
});

test('parseCsv rejects a label column name when the file has no header', () => {
  rejects('1,2,0\n', { labelColumn: 'class' }, { line: 1 }, /first row is data, not a header/);
});

test('parseCsv rejects a label column index out of range', () => {
  rejects('1,2,0\n', { labelColumn: 3 }, { line: 1 }, /index 3 is out of range: the file has 3 columns \(valid 0\.\.2\)/);
});

test('parseCsv rejects a negative label', () => {
  rejects('a,label\n1,-1\n', {}, { line: 2, column: 2 }, /label "-1" is not a non-negative integer/);
});

test('parseCsv rejects a fractional label', () => {
  rejects('a,label\n1,2.5\n', {}, { line: 2, column: 2 }, /label "2\.5" is not a non-negative integer/);
});

test('parseCsv rejects a text label', () => {
  rejects('a,label\n1,cat\n', {}, { line: 2, column: 2 }, /label "cat"/);
});

test('parseCsv rejects NaN cells', () => {
  rejects('1,NaN,0\n', { header: false }, { line: 1, column: 2 }, /"NaN": NaN and Infinity are not allowed/);
});

test('parseCsv rejects Infinity cells', () => {
  rejects('a,b,c\n1,-Infinity,0\n', {}, { line: 2, column: 2 }, /"-Infinity": NaN and Infinity/);
});

test('parseCsv rejects numbers that overflow float32', () => {
  rejects('1,1e39,0\n', {}, { line: 1, column: 2 }, /"1e39" is outside the float32 range/);
});

test('parseCsv rejects an unterminated quoted cell at the line where it opens', () => {
  rejects('1,2,0\n3,"4,1\n5,6,0\n', {}, { line: 2, column: 2 }, /unterminated quoted cell/);
});

test('parseCsv rejects text after a closing quote', () => {
  rejects('1,"2"x,0\n', {}, { line: 1, column: 2 }, /unexpected character "x" after a closing quote/);
});

test('parseCsv reports the line of a cell after a multi-line quoted cell', () => {
  rejects('"a\nb",c,label\n1,2,0\n1,zz,0\n', {}, { line: 4, column: 2 }, /"zz"/);
});

test('parseCsv rejects a single-column file (no features)', () => {
  rejects('1\n2\n', {}, { line: 1 }, /at least 2 columns/);
});

test('labelColumn null reads a features-only CSV: every column is a feature, y is empty', () => {
  const d = parseCsv('a,b,c\n1,2,3\n4,5,6\n', { labelColumn: null, file: 'rows.csv' });
  assert.equal(d.n, 2);
  assert.equal(d.features, 3);
  assert.deepEqual([...d.x], [1, 2, 3, 4, 5, 6]);
  assert.equal(d.y.length, 0);
  assert.equal(d.classes, 0);
  const one = parseCsv('7\n8\n', { labelColumn: null });
  assert.deepEqual([...one.x], [7, 8]);
  assert.throws(() => parseCsv('1,2\n3,x\n', { labelColumn: null, file: 'rows.csv' }), /rows\.csv:2:2: non-numeric cell/);
});
