// Where the library runs, for the few places that differ between Node and browsers (starting
// workers, counting cores). Node built-ins are imported dynamically through a variable, so the
// library entry imports none, and bundlers for browsers leave the import alone.

export const isNode = typeof process === 'object' && typeof process.versions === 'object' && typeof process.versions.node === 'string';

/** A Node built-in module by its 'node:' name, typed by the caller. Node only. */
export function importNode<T>(name: `node:${string}`): Promise<T> {
  const specifier: string = name; // not a literal at the import: bundlers do not try to resolve it
  return import(specifier) as Promise<T>;
}
