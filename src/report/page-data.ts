// The part of the report's JSON island (<script type="application/json" id="report-data">) that the
// page script reads: html.ts writes it, page/main.ts draws it. Types only.

export type HistoryKey = 'loss' | 'trainAccuracy' | 'validationLoss' | 'validationAccuracy' | 'testAccuracy' | 'learningRate';

/** A chart as the page receives it: the series values are read from `history` by key. */
export interface ChartSpec {
  id: string;
  title: string;
  /** the values are fractions in [0, 1], shown as percentages */
  percent: boolean;
  /** the y axis's label (default 'accuracy' or 'loss' by `percent`) */
  axisLabel?: string;
  series: { key: HistoryKey; label: string; color: string; dash?: number[] }[];
}

/** One epoch as it arrives in the page: JSON turns NaN and Infinity into null. */
export type PageEpoch = { epoch: number } & { [K in HistoryKey]?: number | null };

export interface PageData {
  /** sorted by epoch */
  history: PageEpoch[];
  charts: ChartSpec[];
  /** the epoch whose parameters the run kept (early stopping), marked on every chart; null: none */
  keptEpoch?: number | null;
}
