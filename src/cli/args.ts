// Flag parsing on Node's util.parseArgs (strict): `--name value`, `--name=value`, boolean
// `--flag`. Its errors become UsageErrors (exit code 2) whose message names the flag, and the
// helpers below turn flag strings into typed values with messages that name the flag as well.

import { parseArgs } from 'node:util';

export class UsageError extends Error {}

/** A command's flags: name → 'string' (takes a value) or 'boolean'. */
export interface FlagSpec { [name: string]: 'string' | 'boolean' }

export type Flags = Record<string, string | boolean | undefined>;

export interface Parsed { flags: Flags; positional: string[] }

/** The flag a parseArgs message quotes ("Unknown option '--foo'", "Option '--epochs <value>' …"). */
const quotedFlag = (message: string): string | undefined => /'(-{1,2}[^'\s]+)/.exec(message)?.[1];

/** Parses `argv` against `spec`. Positional arguments are refused unless `positionals` is set;
 * `command` names the command in that message. */
export function parseFlags(argv: string[], spec: FlagSpec, opts: { command: string; positionals?: boolean }): Parsed {
  const options = Object.fromEntries(Object.entries(spec).map(([name, type]) => [name, { type }]));
  try {
    const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: opts.positionals ?? false });
    return { flags: values as Flags, positional: positionals };
  } catch (e) {
    throw usageError(e, argv, opts.command);
  }
}

function usageError(e: unknown, argv: string[], command: string): Error {
  const code = (e as NodeJS.ErrnoException)?.code;
  const message = e instanceof Error ? e.message : String(e);
  const flag = quotedFlag(message);
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new UsageError(`unknown flag ${flag ?? message}`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (flag === undefined) return new UsageError(message);
      if (/does not take an argument/.test(message)) return new UsageError(`${flag} takes no value`);
      if (/ambiguous/.test(message)) {
        // followed by an argument starting with '-': a flag, or a value such as -1 that parseArgs
        // will only take as --flag=-1
        const next = argv[argv.lastIndexOf(flag) + 1] ?? '';
        if (!next.startsWith('--')) return new UsageError(`${flag} needs a value; write ${flag}=${next} for one starting with '-'`);
      }
      return new UsageError(`${flag} needs a value`);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': {
      const arg = /argument '([^']*)'/.exec(message)?.[1];
      return new UsageError(`${command} takes no positional arguments; got '${arg ?? message}'`);
    }
    default:
      return e instanceof Error ? e : new Error(message);
  }
}

export function strFlag(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function intFlag(flags: Flags, name: string, def: number, min = 1): number {
  const v = flags[name];
  if (v === undefined) return def;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}; got '${String(v)}'`);
  return n;
}

export function numFlag(flags: Flags, name: string, def: number | undefined): number | undefined {
  const v = flags[name];
  if (v === undefined) return def;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number; got '${String(v)}'`);
  return n;
}

/** A flag whose value must be one of `names` (a list from src/vocabulary.ts). */
export function choice<T extends string>(flags: Flags, name: string, names: readonly T[], def: T): T {
  const v = strFlag(flags, name) ?? def;
  if (!(names as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${names.join(', ')}; got '${v}'`);
  return v as T;
}

/** Byte units of a size flag: decimal (kB = 1000) and binary (KiB = 1024); matched lower-case. */
const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40,
};

/** A size in bytes: a number with an optional unit (`1GB`, `1.5GiB`, `64kb`; none: bytes), whole
 * bytes (rounded down), at least 1. */
export function parseSize(s: string): number | null {
  const m = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*$/i.exec(s);
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) return null;
  const bytes = Math.floor(Number(m[1]) * unit);
  return bytes >= 1 && Number.isSafeInteger(bytes) ? bytes : null;
}

export function sizeFlag(flags: Flags, name: string): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  const bytes = typeof v === 'string' ? parseSize(v) : null;
  if (bytes === null) throw new UsageError(`--${name} must be a size of at least 1 byte: a number with an optional unit B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024), e.g. 1GB or 800MiB; got '${String(v)}'`);
  return bytes;
}
