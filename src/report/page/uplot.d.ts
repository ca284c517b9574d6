// The part of uPlot 1.6 that the page script uses: the global `uPlot` defined by
// dist/uPlot.iife.min.js, which the report inlines before the page script. Written by hand (a
// subset of uPlot's own uPlot.d.ts) so the page needs no module import of uPlot's typings.

declare class uPlot {
  constructor(opts: uPlot.Options, data: uPlot.AlignedData, target: HTMLElement);
  readonly series: uPlot.Series[];
  readonly data: uPlot.AlignedData;
  setSize(size: { width: number; height: number }): void;
  /** the canvas position (device pixels with canvasPixels) of value `val` on scale `scaleKey` */
  valToPos(val: number, scaleKey: string, canvasPixels?: boolean): number;
  /** the plotting area in device pixels */
  readonly bbox: { left: number; top: number; width: number; height: number };
  readonly ctx: CanvasRenderingContext2D;
}

declare namespace uPlot {
  /** [x values, ...one array of y values per series], all of the same length */
  type AlignedData = [number[], ...(number | null)[][]];
  type Range = [min: number, max: number];

  interface Scale {
    time?: boolean;
    range?: (u: uPlot, dataMin: number, dataMax: number, scaleKey: string) => Range;
  }

  interface Axis {
    label?: string;
    labelSize?: number;
    /** thickness of the axis area in CSS px */
    size?: number;
    stroke?: string;
    font?: string;
    labelFont?: string;
    grid?: { stroke?: string; width?: number };
    ticks?: { stroke?: string; width?: number; size?: number };
    /** candidate distances between grid lines, ascending */
    incrs?: number[];
    /** tick labels for the grid lines at `splits`, which are `incr` apart */
    values?: (u: uPlot, splits: number[], axisIdx: number, foundSpace: number, incr: number) => string[];
  }

  interface Series {
    label?: string;
    stroke?: string;
    width?: number;
    dash?: number[];
    spanGaps?: boolean;
    points?: { show?: boolean; size?: number; width?: number; fill?: string; stroke?: string };
    /** the legend's value for the point under the cursor */
    value?: (u: uPlot, v: number | null, seriesIdx: number, idx: number | null) => string;
  }

  interface Options {
    width: number;
    height: number;
    scales?: Record<string, Scale>;
    axes?: Axis[];
    series: Series[];
    legend?: { live?: boolean };
    cursor?: { drag?: { x?: boolean; y?: boolean } };
    hooks?: { draw?: ((u: uPlot) => void)[] };
  }
}
