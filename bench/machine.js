// What the benchmark ran on: CPU, cores, Node/V8, OS and the versions of the libraries compared.
// Nothing identifying is recorded (no hostname, user or path).

import os from 'node:os';
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function pkgVersion(name) {
  try {
    // package.json of a dependency, found through node's resolution from this folder
    const dir = require.resolve(`${name}/package.json`);
    return JSON.parse(fs.readFileSync(dir, 'utf8')).version;
  } catch {
    try {
      // packages whose "exports" hide package.json: walk up from the main entry
      let p = require.resolve(name);
      for (let i = 0; i < 6; i++) {
        p = p.slice(0, p.lastIndexOf('/'));
        const f = `${p}/package.json`;
        if (fs.existsSync(f)) {
          const j = JSON.parse(fs.readFileSync(f, 'utf8'));
          if (j.name === name) return j.version;
        }
      }
    } catch { /* not installed */ }
    return null;
  }
}

function cpuFlags() {
  try {
    const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const line = info.split('\n').find((l) => l.startsWith('flags'));
    if (!line) return null;
    const flags = new Set(line.split(':')[1].trim().split(/\s+/));
    return ['sse4_1', 'avx', 'avx2', 'fma', 'avx512f'].filter((f) => flags.has(f));
  } catch {
    return null;
  }
}

/** @param {{ bestBackend: string, relaxedSimd: boolean }} lib */
export function machineInfo(lib) {
  const cpus = os.cpus();
  const ours = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return {
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cpuFlags: cpuFlags(),
    logicalCores: cpus.length,
    availableParallelism: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30 * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.versions.node,
    v8: process.versions.v8,
    threadsUsed: 1,
    relaxedSimd: lib.relaxedSimd,
    bestBackend: lib.bestBackend,
    packages: {
      'wasm-mlp': ours.version,
      '@tensorflow/tfjs': pkgVersion('@tensorflow/tfjs'),
      '@tensorflow/tfjs-backend-wasm': pkgVersion('@tensorflow/tfjs-backend-wasm'),
      '@jax-js/jax': pkgVersion('@jax-js/jax'),
      tinybench: pkgVersion('tinybench'),
    },
  };
}

/** 1-, 5- and 15-minute load averages, rounded. */
export function loadAverage() {
  return os.loadavg().map((v) => Math.round(v * 100) / 100);
}
