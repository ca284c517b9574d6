// Small DOM and formatting helpers shared by the demo's panels.

/** The element with this id (the page's HTML has all of them). */
export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
}

export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
export const fmtPercent = (f: number): string => `${(100 * f).toFixed(1)}%`;
export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Runs `f` once per animation frame at most, however often it is asked for. */
export function perFrame(f: () => void): () => void {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; f(); });
  };
}

/** Shows a message in a status line; `kind` colours it. */
export function say(el: HTMLElement, text: string, kind: 'info' | 'error' | 'done' = 'info'): void {
  el.textContent = text;
  el.dataset.kind = kind;
}
