// Parameter updates over the flat parameter block: P, G and the optimizer state share one layout
// (all weights first, then all biases), so one call updates the whole network. Elements
// [0, nDecay) get decoupled weight decay (p -= lr·wd·p), the biases after them do not.
// Each kernel refuses non-finite results element by element: such an element keeps its previous
// value and is counted in the return value, so parameters always stay finite and the host can stop
// training with an error that says where it diverged.

// @ts-ignore: decorator
@inline function finite(x: f32): bool { return x - x == 0; }

// @ts-ignore: decorator
@inline function sgdOne(P: usize, G: usize, i: i32, nDecay: i32, lr: f32, wd: f32): i32 {
  const o = <usize>i << 2;
  const p = load<f32>(P + o);
  const d: f32 = i < nDecay ? wd : 0;
  const q = p - lr * (load<f32>(G + o) + d * p);
  if (finite(q)) { store<f32>(P + o, q); return 0; }
  return 1;
}

// @ts-ignore: decorator
@inline function laneCount(mask: v128): i32 {
  return i32x4.extract_lane(mask, 0) + i32x4.extract_lane(mask, 1) + i32x4.extract_lane(mask, 2) + i32x4.extract_lane(mask, 3);
}

// P is (n), G is (n). Two straight loops (decayed weights, then the rest) so the hot loop has no
// per-vector test of the boundary; a vector straddling nDecay goes element-wise.
export function f32_sgd__simd(P: usize, G: usize, n: i32, nDecay: i32, lr: f32, wd: f32): i32 {
  const vlr = f32x4.splat(lr);
  const zero = f32x4.splat(0);
  let badMask = i32x4.splat(0);
  let bad = 0;
  const d = min(max(nDecay, 0), n);
  let i = 0;
  const vwd = f32x4.splat(wd);
  for (; i + 4 <= d; i += 4) {
    const o = <usize>i << 2;
    const p = v128.load(P + o);
    const q = f32x4.sub(p, f32x4.mul(vlr, f32x4.add(v128.load(G + o), f32x4.mul(vwd, p))));
    const ok = f32x4.eq(f32x4.sub(q, q), zero);
    v128.store(P + o, v128.bitselect(q, p, ok));
    badMask = i32x4.sub(badMask, v128.not(ok)); // lanes that failed are -1: subtracting counts them
  }
  for (; i < d; i++) bad += sgdOne(P, G, i, nDecay, lr, wd);
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const p = v128.load(P + o);
    const q = f32x4.sub(p, f32x4.mul(vlr, v128.load(G + o)));
    const ok = f32x4.eq(f32x4.sub(q, q), zero);
    v128.store(P + o, v128.bitselect(q, p, ok));
    badMask = i32x4.sub(badMask, v128.not(ok));
  }
  bad += laneCount(badMask);
  for (; i < n; i++) bad += sgdOne(P, G, i, nDecay, lr, wd);
  return bad;
}

// P is (n), G is (n). Plain gradient descent: p -= lr·(g + decay·p).
export function f32_sgd__scalar(P: usize, G: usize, n: i32, nDecay: i32, lr: f32, wd: f32): i32 {
  let bad = 0;
  for (let i = 0; i < n; i++) bad += sgdOne(P, G, i, nDecay, lr, wd);
  return bad;
}

// P is (n), V is (n) velocity, G is (n). v = mu·v + g; p -= lr·(v + decay·p)  (PyTorch's convention)
export function f32_momentum__scalar(P: usize, V: usize, G: usize, n: i32, nDecay: i32, lr: f32, mu: f32, wd: f32): i32 {
  let bad = 0;
  for (let i = 0; i < n; i++) bad += momentumOne(P, V, G, i, nDecay, lr, mu, wd);
  return bad;
}

// @ts-ignore: decorator
@inline function momentumOne(P: usize, V: usize, G: usize, i: i32, nDecay: i32, lr: f32, mu: f32, wd: f32): i32 {
  const o = <usize>i << 2;
  const p = load<f32>(P + o);
  const v = mu * load<f32>(V + o) + load<f32>(G + o);
  const d: f32 = i < nDecay ? wd : 0;
  const q = p - lr * (v + d * p);
  if (finite(q) && finite(v)) { store<f32>(P + o, q); store<f32>(V + o, v); return 0; }
  return 1;
}

// P is (n), V is (n), G is (n)
export function f32_momentum__simd(P: usize, V: usize, G: usize, n: i32, nDecay: i32, lr: f32, mu: f32, wd: f32): i32 {
  const vlr = f32x4.splat(lr), vmu = f32x4.splat(mu), zero = f32x4.splat(0);
  let badMask = i32x4.splat(0);
  let bad = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    if (i < nDecay && i + 4 > nDecay) {
      for (let j = i; j < i + 4; j++) bad += momentumOne(P, V, G, j, nDecay, lr, mu, wd);
      continue;
    }
    const o = <usize>i << 2;
    const p = v128.load(P + o);
    const v0 = v128.load(V + o);
    const v = f32x4.add(f32x4.mul(vmu, v0), v128.load(G + o));
    const wd4 = f32x4.splat(i < nDecay ? wd : 0);
    const q = f32x4.sub(p, f32x4.mul(vlr, f32x4.add(v, f32x4.mul(wd4, p))));
    const ok = v128.and(f32x4.eq(f32x4.sub(q, q), zero), f32x4.eq(f32x4.sub(v, v), zero));
    v128.store(P + o, v128.bitselect(q, p, ok));
    v128.store(V + o, v128.bitselect(v, v0, ok));
    badMask = i32x4.sub(badMask, v128.not(ok));
  }
  bad += laneCount(badMask);
  for (; i < n; i++) bad += momentumOne(P, V, G, i, nDecay, lr, mu, wd);
  return bad;
}

// P is (n), M is (n) first moment, V is (n) second moment, G is (n).
// m = b1·m + (1-b1)·g; v = b2·v + (1-b2)·g²; p -= lr·( (m/bc1) / (sqrt(v/bc2) + eps) + decay·p )
// bc1 = 1 - b1^t and bc2 = 1 - b2^t are computed by the host in f64 for step t ≥ 1.
export function f32_adam__scalar(P: usize, M: usize, V: usize, G: usize, n: i32, nDecay: i32, lr: f32, b1: f32, b2: f32, eps: f32, wd: f32, bc1: f32, bc2: f32): i32 {
  let bad = 0;
  for (let i = 0; i < n; i++) bad += adamOne(P, M, V, G, i, nDecay, lr, b1, b2, eps, wd, bc1, bc2);
  return bad;
}

// @ts-ignore: decorator
@inline function adamOne(P: usize, M: usize, V: usize, G: usize, i: i32, nDecay: i32, lr: f32, b1: f32, b2: f32, eps: f32, wd: f32, bc1: f32, bc2: f32): i32 {
  const o = <usize>i << 2;
  const g = load<f32>(G + o);
  const p = load<f32>(P + o);
  const m = b1 * load<f32>(M + o) + (1 - b1) * g;
  const v = b2 * load<f32>(V + o) + (1 - b2) * g * g;
  const d: f32 = i < nDecay ? wd : 0;
  const q = p - lr * ((m / bc1) / (Mathf.sqrt(v / bc2) + eps) + d * p);
  if (finite(q) && finite(m) && finite(v)) {
    store<f32>(P + o, q); store<f32>(M + o, m); store<f32>(V + o, v);
    return 0;
  }
  return 1;
}

// P, M, V, G are (n)
export function f32_adam__simd(P: usize, M: usize, V: usize, G: usize, n: i32, nDecay: i32, lr: f32, b1: f32, b2: f32, eps: f32, wd: f32, bc1: f32, bc2: f32): i32 {
  const vb1 = f32x4.splat(b1), vb2 = f32x4.splat(b2), nb1 = f32x4.splat(1 - b1), nb2 = f32x4.splat(1 - b2);
  const vlr = f32x4.splat(lr), veps = f32x4.splat(eps), ibc1 = f32x4.splat(1 / bc1), ibc2 = f32x4.splat(1 / bc2);
  const zero = f32x4.splat(0);
  let badMask = i32x4.splat(0);
  let bad = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    if (i < nDecay && i + 4 > nDecay) { // straddles the weights/biases boundary
      for (let j = i; j < i + 4; j++) bad += adamOne(P, M, V, G, j, nDecay, lr, b1, b2, eps, wd, bc1, bc2);
      continue;
    }
    const o = <usize>i << 2;
    const g = v128.load(G + o);
    const p = v128.load(P + o);
    const m0 = v128.load(M + o), v0 = v128.load(V + o);
    const m = f32x4.add(f32x4.mul(vb1, m0), f32x4.mul(nb1, g));
    const v = f32x4.add(f32x4.mul(vb2, v0), f32x4.mul(nb2, f32x4.mul(g, g)));
    const step = f32x4.div(f32x4.mul(m, ibc1), f32x4.add(f32x4.sqrt(f32x4.mul(v, ibc2)), veps));
    const wd4 = f32x4.splat(i < nDecay ? wd : 0);
    const q = f32x4.sub(p, f32x4.mul(vlr, f32x4.add(step, f32x4.mul(wd4, p))));
    const ok = v128.and(v128.and(f32x4.eq(f32x4.sub(q, q), zero), f32x4.eq(f32x4.sub(m, m), zero)), f32x4.eq(f32x4.sub(v, v), zero));
    v128.store(P + o, v128.bitselect(q, p, ok));
    v128.store(M + o, v128.bitselect(m, m0, ok));
    v128.store(V + o, v128.bitselect(v, v0, ok));
    badMask = i32x4.sub(badMask, v128.not(ok));
  }
  bad += laneCount(badMask);
  for (; i < n; i++) bad += adamOne(P, M, V, G, i, nDecay, lr, b1, b2, eps, wd, bc1, bc2);
  return bad;
}
