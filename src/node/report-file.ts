// Node side of the HTML report: reads uPlot's dist files from the installed `uplot` package and
// writes the rendered page atomically (temporary file in the same folder, then rename).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { WasmMlpError } from '../errors.js';
import { renderReport, type ReportAssets, type ReportInput } from '../report/html.js';
import { writeFileAtomic } from './atomic.js';

/** Reads uPlot's IIFE bundle and stylesheet from node_modules/uplot. The bundle is prefixed with
 * uPlot's MIT licence text, which must travel with every copy. */
export function loadReportAssets(): ReportAssets {
  let root: string;
  try {
    root = dirname(createRequire(import.meta.url).resolve('uplot/package.json'));
  } catch (e) {
    throw new WasmMlpError(
      'E_ASSETS',
      `cannot find the 'uplot' package needed for HTML reports (${e instanceof Error ? e.message : String(e)}); reinstall wasm-mlp's dependencies`,
    );
  }
  const read = (rel: string): string => {
    const file = join(root, rel);
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      throw new WasmMlpError('E_ASSETS', `cannot read ${file} for the HTML report: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  const js = read('dist/uPlot.iife.min.js');
  const css = read('dist/uPlot.min.css');
  let licence = '';
  try {
    licence = readFileSync(join(root, 'LICENSE'), 'utf8').replace(/\*\//g, '* /').trim();
  } catch {
    licence = 'uPlot, MIT License, Copyright (c) 2022 Leon Sorokin';
  }
  return { uplotJs: `/*! uPlot\n${licence}\n*/\n${js}`, uplotCss: css };
}

/** Renders `input` and writes it to `path` atomically (throws ModelFileError naming the path when
 * the write fails). A missing `createdAt` is set to now, as `YYYY-MM-DD HH:MM UTC`. */
export function writeReport(path: string, input: ReportInput, assets: ReportAssets = loadReportAssets()): void {
  const now = `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const html = renderReport({ ...input, createdAt: input.createdAt ?? now }, assets);
  writeFileAtomic(path, new TextEncoder().encode(html));
}
