// DataSources over what a program already holds (docs/STREAMING.md "Sources"): arrays in memory
// (random access), an iterable or async iterable of pieces, a ReadableStream of pieces (sequential
// passes). No Node built-ins: these run in browsers and workers. The checks here are the shape
// checks only an adapter can make (a piece of whole rows, a pass of exactly `rows` rows); class
// ranges are the trainer's, which knows the class count.

import { InputError } from '../errors.js';
import type { Features, Normalizer } from '../types.js';
import type { DataSource, SourcePiece } from './source.js';
import { chunksOf } from './stream-chunks.js';
import { checkDivisor } from '../validate.js';

/** What a sequential source declares up front: the trainer plans the epoch from it. */
export interface SourceInfo {
  /** samples in one pass */
  rows: number;
  /** features per sample */
  inputs: number;
  /** byte features (pieces' x are Uint8Array): a feature is f32(byte / divisor); absent: float32 */
  divisor?: number;
  /** with byte features, applied after the division */
  normalizer?: Normalizer;
  /** values of y per row: 1 (class indices, the default) or the width of float targets */
  targetWidth?: number;
}

const isCount = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= min;

/** An InputError unless [start, start + count) is a range of whole rows inside [0, rows). */
export function checkReadRange(start: number, count: number, rows: number, what: string): void {
  if (!isCount(start, 0) || !isCount(count, 0) || start + count > rows) {
    throw new InputError(`${what}: read(${start}, ${count}) is outside rows 0 … ${rows - 1}: start and count must be integers ≥ 0 with start + count ≤ ${rows}`);
  }
}

/** An InputError unless a view the trainer passes can take `count` rows of `width` values. */
export function checkView(view: ArrayLike<number>, count: number, width: number, what: string): void {
  if (view.length < count * width) {
    throw new InputError(`${what}: a view of ${view.length} values cannot take ${count} rows of ${width}`);
  }
}

/** Random access over in-memory features (float32, or bytes with their divisor and normaliser) and
 * y: class indices, copied into an Int32Array view (each checked to be an integer: a fraction or
 * NaN would otherwise truncate silently), or targetWidth float targets per row into a Float32Array
 * view. rows = y.length / targetWidth; inputs = the features' length / rows. */
export function arraySource(x: Features, y: ArrayLike<number>, targetWidth = 1): DataSource {
  const what = 'arraySource';
  if (!isCount(targetWidth, 1)) throw new InputError(`${what}: targetWidth must be an integer ≥ 1, got ${targetWidth}`);
  const values = x instanceof Float32Array ? x : x?.bytes;
  if (!(values instanceof Float32Array || values instanceof Uint8Array || values instanceof Uint8ClampedArray)) {
    throw new InputError(`${what}: x must be a Float32Array or byte features { bytes: Uint8Array, divisor }`);
  }
  const divisor = x instanceof Float32Array ? undefined : x.divisor;
  if (!(x instanceof Float32Array)) checkDivisor(divisor, `${what}: x`);
  if (y.length === 0 || y.length % targetWidth !== 0) {
    throw new InputError(`${what}: y has ${y.length} values: expected a positive multiple of targetWidth ${targetWidth}`);
  }
  const rows = y.length / targetWidth;
  if (values.length === 0 || values.length % rows !== 0) {
    throw new InputError(`${what}: x has ${values.length} features for ${rows} rows: expected a positive multiple of ${rows}`);
  }
  const inputs = values.length / rows;
  return {
    rows,
    inputs,
    divisor,
    normalizer: x instanceof Float32Array ? undefined : x.normalizer,
    read(start, count, xv, yv) {
      checkReadRange(start, count, rows, what);
      checkView(xv, count, inputs, `${what} x`);
      checkView(yv, count, yv instanceof Int32Array ? 1 : targetWidth, `${what} y`);
      if ((divisor === undefined) !== (xv instanceof Float32Array)) {
        throw new InputError(`${what}: x view is a ${xv.constructor.name}, expected a ${divisor === undefined ? 'Float32Array (float features)' : 'Uint8Array (byte features)'}`);
      }
      xv.set(values.subarray(start * inputs, (start + count) * inputs));
      if (yv instanceof Float32Array) {
        for (let i = 0, n = count * targetWidth, from = start * targetWidth; i < n; i++) yv[i] = y[from + i];
        return;
      }
      if (targetWidth !== 1) throw new InputError(`${what}: class indices need targetWidth 1, the source has ${targetWidth}`);
      for (let i = 0; i < count; i++) {
        const v = y[start + i];
        if (v !== (v | 0)) throw new InputError(`${what}: y[${start + i}] = ${v} is not a class index (an integer)`);
        yv[i] = v;
      }
    },
  };
}

const typeName = (v: unknown): string => (typeof v === 'object' && v !== null ? v.constructor?.name ?? 'object' : String(v));

/** Checks one piece against the source's shape; returns its row count. */
function pieceRows(what: string, piece: SourcePiece, info: SourceInfo & { targetWidth: number }, row: number, index: number): number {
  const at = `${what}: piece ${index} (from row ${row})`;
  const x: unknown = piece?.x;
  const bytes = x instanceof Uint8Array || x instanceof Uint8ClampedArray;
  if (!(bytes || x instanceof Float32Array)) throw new InputError(`${at}: x must be a Uint8Array or Float32Array, got ${typeName(x)}`);
  if (bytes !== (info.divisor !== undefined)) {
    throw new InputError(`${at}: x is a ${x.constructor.name}, but the source declares ${info.divisor === undefined ? 'float32 features (no divisor): expected a Float32Array' : `byte features (divisor ${info.divisor}): expected a Uint8Array`}`);
  }
  if (x.length % info.inputs !== 0) {
    throw new InputError(`${at}: x has ${x.length} values, not whole rows of ${info.inputs} features (row ${row + Math.floor(x.length / info.inputs)} is cut after ${x.length % info.inputs})`);
  }
  const k = x.length / info.inputs;
  const yLength = piece.y?.length;
  if (yLength !== k * info.targetWidth) {
    throw new InputError(`${at}: y has ${yLength} values for ${k} rows: expected ${k * info.targetWidth} (targetWidth ${info.targetWidth}${info.targetWidth === 1 ? '; pass info.targetWidth for float targets' : ''})`);
  }
  if (row + k > info.rows) {
    throw new InputError(`${at}: the pass holds more than the declared ${info.rows} rows: this piece of ${k} rows ends at row ${row + k}`);
  }
  return k;
}

/** A sequential source: each pass calls open() for a new iterable (sync or async) of pieces and
 * checks them on the way: whole rows, the declared feature kind, y's width, and exactly info.rows
 * rows per pass (an InputError naming the row where it went wrong: a pass that ends early is
 * never a silently short epoch). open() must start again from the first row every call. */
export function iterableSource(info: SourceInfo, open: () => AsyncIterable<SourcePiece> | Iterable<SourcePiece>): DataSource {
  return checkedPasses('iterableSource', info, open);
}

/** iterableSource, its errors named after `what` (the function the user called). */
function checkedPasses(what: string, info: SourceInfo, open: () => AsyncIterable<SourcePiece> | Iterable<SourcePiece>): DataSource {
  if (!isCount(info?.rows, 1) || !isCount(info.inputs, 1)) {
    throw new InputError(`${what}: info.rows and info.inputs must be integers ≥ 1, got rows ${info?.rows}, inputs ${info?.inputs}`);
  }
  if (info.divisor !== undefined) checkDivisor(info.divisor, `${what}: info`);
  const targetWidth = info.targetWidth ?? 1;
  if (!isCount(targetWidth, 1)) throw new InputError(`${what}: info.targetWidth must be an integer ≥ 1, got ${targetWidth}`);
  if (typeof open !== 'function') throw new InputError(`${what}: open must be a function returning a new iterable of pieces for each pass`);
  const shape = { ...info, targetWidth };
  return {
    rows: info.rows,
    inputs: info.inputs,
    divisor: info.divisor,
    normalizer: info.normalizer,
    async *pass() {
      let row = 0, index = 0;
      for await (const piece of open()) {
        row += pieceRows(what, piece, shape, row, index++);
        yield piece;
      }
      if (row !== info.rows) {
        throw new InputError(`${what}: the pass ended after ${row} rows (${index} pieces), the source declares ${info.rows}: row ${row} is missing${row === 0 ? ' (does open() return a new iterable each call, not one already consumed?)' : ''}`);
      }
    },
  };
}

/** iterableSource over a ReadableStream of pieces: open() returns a new stream for each pass. The
 * stream is read with getReader() (not every browser makes streams async-iterable) and cancelled if
 * the pass stops early. */
export function readableStreamSource(info: SourceInfo, open: () => ReadableStream<SourcePiece>): DataSource {
  if (typeof open !== 'function') throw new InputError('readableStreamSource: open must be a function returning a new ReadableStream for each pass');
  return checkedPasses('readableStreamSource', info, () => chunksOf(open()));
}
