// A small, strict flag parser: `--name value`, `--name=value`, boolean `--flag`. Unknown flags and
// missing values are usage errors (exit code 2) that name the flag.

export class UsageError extends Error {}

export interface FlagSpec { [name: string]: 'string' | 'boolean' }

export interface Parsed { flags: Record<string, string | boolean>; positional: string[] }

export function parseArgs(argv: string[], spec: FlagSpec): Parsed {
  const flags: Record<string, string | boolean> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--') || a === '--') { positional.push(a); continue; }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const kind = spec[name];
    if (!kind) throw new UsageError(`unknown flag --${name}`);
    if (kind === 'boolean') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      flags[name] = true;
    } else {
      const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || (eq < 0 && v.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
      flags[name] = v;
    }
  }
  return { flags, positional };
}

export function intFlag(flags: Parsed['flags'], name: string, def: number, min = 1): number {
  const v = flags[name];
  if (v === undefined) return def;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}; got '${String(v)}'`);
  return n;
}

export function numFlag(flags: Parsed['flags'], name: string, def: number | undefined): number | undefined {
  const v = flags[name];
  if (v === undefined) return def;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number; got '${String(v)}'`);
  return n;
}

export function strFlag(flags: Parsed['flags'], name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}
