// Flags shared by the commands, and the value lists they accept. Every list of names comes from
// src/vocabulary.ts, so a backend or normaliser added there is accepted (and listed in --help) here.

import { BACKENDS, NORMALIZERS, type BackendName, type NormalizerKind } from '../vocabulary.js';
import { choice, strFlag, UsageError, type Flags } from './args.js';
import { MAX_THREADS } from '../backend/threads/choose.js';

export const BACKEND_CHOICES = ['auto', ...BACKENDS] as const;
export const NORMALIZE_CHOICES = ['none', ...NORMALIZERS] as const;

/** Every command takes these. */
export const COMMON_FLAGS = { verbose: 'boolean', help: 'boolean' } as const;
/** Commands that read a dataset: `--dataset` and, for CSV, `--label-column`. */
export const DATASET_FLAGS = { dataset: 'string', 'label-column': 'string' } as const;

/** Help lines of the shared flags (aligned with the commands' own). */
export const HELP_LINES = {
  backend: `  --backend auto       ${BACKEND_CHOICES.join(' | ')}`,
  verbose: '  --verbose            stack traces on errors',
  threads: '  --threads 1          cores to train on: a count or auto (results are the same, to the bit)',
  labelColumn: '  --label-column C     CSV label column: header name or 0-based index (default the last)',
};

export function backendFlag(flags: Flags): BackendName | 'auto' {
  return choice(flags, 'backend', BACKEND_CHOICES, 'auto');
}

export function normalizeFlag(flags: Flags): NormalizerKind | 'none' {
  return choice(flags, 'normalize', NORMALIZE_CHOICES, 'none');
}

/** `--label-column`: a 0-based index when it is all digits, otherwise a header name. */
export function labelColumnFlag(flags: Flags): string | number | undefined {
  const s = strFlag(flags, 'label-column');
  if (s === undefined) return undefined;
  return /^\d+$/.test(s.trim()) ? Number(s.trim()) : s;
}

/** `--threads N|auto`: cores to train on (default 1). */
export function threadsFlag(flags: Flags): number | 'auto' {
  const s = strFlag(flags, 'threads');
  if (s === undefined) return 1;
  if (s.trim() === 'auto') return 'auto';
  const n = Number(s);
  if (s.trim() === '' || !Number.isInteger(n) || n < 1 || n > MAX_THREADS) throw new UsageError(`--threads must be 'auto' or an integer from 1 to ${MAX_THREADS}; got '${s}'`);
  return n;
}

/** `--validation F`: a fraction strictly between 0 and 1. */
export function fractionFlag(flags: Flags, name: string): number | undefined {
  const s = strFlag(flags, name);
  if (s === undefined) return undefined;
  const f = Number(s);
  if (s.trim() === '' || !(f > 0 && f < 1)) throw new UsageError(`--${name} must be a fraction strictly between 0 and 1, e.g. 0.1; got '${s}'`);
  return f;
}
