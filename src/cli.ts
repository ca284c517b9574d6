#!/usr/bin/env node
// The `wasm-mlp` command. Relaxed SIMD is behind a V8 flag in Node 20; turning it on here, before
// any module is compiled, lets 'auto' pick the relaxed binary. Everything else lives in cli/main.
import v8 from 'node:v8';

try { v8.setFlagsFromString('--experimental-wasm-relaxed-simd'); } catch { /* newer Node: on by default */ }
const { main } = await import('./cli/main.js');
process.exitCode = await main(process.argv.slice(2));
