// Output layers with their losses, as forward/backward pairs, and accuracy counting.
// Z, P, dZ are (B,N) row-major; labels are (B) i32 class indices; T are (B,N) f32 targets.
// Forward kernels return the *sum* of per-sample losses (f64, so chunked sums stay exact); the host
// divides by the sample count. Backward kernels take `scale` (the host passes 1/B, or 1/(B·N) for
// the element-wise losses) so dZ is already the gradient of the batch mean.
//   softmax  + categorical cross-entropy: L = -Σ_b log P[b, y_b],           dZ = (P - onehot(y)) / B
//   sigmoid  + binary cross-entropy:      L = Σ_b,j bce(Z, T) (mean over B·N), dZ = (P - T) / (B·N)
//   identity + mean squared error:        L = Σ_b,j (Z - T)² (mean over B·N), dZ = 2 (P - T) / (B·N)

import { sigmoidScalar } from './activation';
import { expf, expf4, logf } from './mathf';

// P is (B,N) probabilities, Z is (B,N) logits (P may alias Z), labels is (B) i32. Returns Σ_b -log P[b,y_b].
export function f32_softmax_xent_forward__scalar(P: usize, Z: usize, labels: usize, B: i32, N: i32): f64 {
  let loss: f64 = 0;
  const row = <usize>N << 2;
  for (let r = 0; r < B; r++) {
    const z = Z + <usize>r * row;
    const p = P + <usize>r * row;
    let m = load<f32>(z);
    for (let j = 1; j < N; j++) m = max(m, load<f32>(z + (<usize>j << 2)));
    // read the label's logit before P (which may alias Z) is written
    const zy: f32 = labels != 0 ? load<f32>(z + (<usize>load<i32>(labels + (<usize>r << 2)) << 2)) : 0;
    // subtract the max: exp never overflows and the largest term is exactly 1
    let s: f32 = 0;
    for (let j = 0; j < N; j++) {
      const e = expf(load<f32>(z + (<usize>j << 2)) - m);
      store<f32>(p + (<usize>j << 2), e);
      s += e;
    }
    const inv: f32 = 1 / s;
    for (let j = 0; j < N; j++) store<f32>(p + (<usize>j << 2), load<f32>(p + (<usize>j << 2)) * inv);
    // log-softmax from the logits, not log of the rounded probability: finite even when P underflows
    if (labels != 0) loss += <f64>(logf(s) - (zy - m));
  }
  return loss;
}

// The same as f32_softmax_xent_forward__scalar, bit for bit, four rows at a time (one a lane; SIMD
// builds): the scalar kernel, one exponential at a time, was a quarter of the rows phase of a
// 784-128-10 step (perf, one thread: 1 % of the step). Each lane takes a row's max, exponentials,
// sum in column order, 1/sum and loss in the scalar kernel's operations; rows past the last group
// of 4 go through the scalar kernel.
// rowLoss (B) f64: each row's −log P[b,y_b]; rowCorrect (B) i32: 1 where the row's argmax of P (the
// first largest, as i32_count_correct_argmax__scalar) is its label, else 0 (each 0: not stored;
// both need labels). Returns the sum of the row losses in row order.
export function f32_softmax_xent_forward_4__simd(P: usize, rowLoss: usize, rowCorrect: usize, Z: usize, labels: usize, B: i32, N: i32): f64 {
  let loss: f64 = 0;
  const row = <usize>N << 2;
  let r = 0;
  for (; r + 4 <= B; r += 4) {
    const z = Z + <usize>r * row, p = P + <usize>r * row;
    let m = f32x4(load<f32>(z), load<f32>(z + row), load<f32>(z + 2 * row), load<f32>(z + 3 * row));
    for (let j = 1; j < N; j++) {
      const c = z + (<usize>j << 2);
      m = f32x4.max(m, f32x4(load<f32>(c), load<f32>(c + row), load<f32>(c + 2 * row), load<f32>(c + 3 * row)));
    }
    // the labels' logits, read before P (which may alias Z) is written
    let zy = f32x4.splat(0);
    if (labels != 0) {
      const y = labels + (<usize>r << 2);
      zy = f32x4(load<f32>(z + (<usize>load<i32>(y) << 2)), load<f32>(z + row + (<usize>load<i32>(y, 4) << 2)),
        load<f32>(z + 2 * row + (<usize>load<i32>(y, 8) << 2)), load<f32>(z + 3 * row + (<usize>load<i32>(y, 12) << 2)));
    }
    let s = f32x4.splat(0);
    for (let j = 0; j < N; j++) {
      const c = z + (<usize>j << 2), o = p + (<usize>j << 2);
      const e = expf4(f32x4.sub(f32x4(load<f32>(c), load<f32>(c + row), load<f32>(c + 2 * row), load<f32>(c + 3 * row)), m));
      store<f32>(o, f32x4.extract_lane(e, 0));
      store<f32>(o + row, f32x4.extract_lane(e, 1));
      store<f32>(o + 2 * row, f32x4.extract_lane(e, 2));
      store<f32>(o + 3 * row, f32x4.extract_lane(e, 3));
      s = f32x4.add(s, e);
    }
    const inv = f32x4.div(f32x4.splat(1), s);
    // each lane's argmax as the scalar counter finds it: the first j whose P beats every one before
    let best = i32x4.splat(0), bestP = f32x4.splat(0);
    for (let j = 0; j < N; j++) {
      const o = p + (<usize>j << 2);
      const q = f32x4.mul(f32x4(load<f32>(o), load<f32>(o + row), load<f32>(o + 2 * row), load<f32>(o + 3 * row)), inv);
      store<f32>(o, f32x4.extract_lane(q, 0));
      store<f32>(o + row, f32x4.extract_lane(q, 1));
      store<f32>(o + 2 * row, f32x4.extract_lane(q, 2));
      store<f32>(o + 3 * row, f32x4.extract_lane(q, 3));
      if (j == 0) bestP = q;
      else {
        const more = f32x4.gt(q, bestP);
        bestP = v128.bitselect(q, bestP, more);
        best = v128.bitselect(i32x4.splat(j), best, more);
      }
    }
    if (rowCorrect != 0 && labels != 0) {
      // 1 where the argmax is the label: the comparison's all-ones lane is −1
      v128.store(rowCorrect + (<usize>r << 2), i32x4.neg(i32x4.eq(best, v128.load(labels + (<usize>r << 2)))));
    }
    if (labels != 0) {
      const l0 = <f64>(logf(f32x4.extract_lane(s, 0)) - (f32x4.extract_lane(zy, 0) - f32x4.extract_lane(m, 0)));
      const l1 = <f64>(logf(f32x4.extract_lane(s, 1)) - (f32x4.extract_lane(zy, 1) - f32x4.extract_lane(m, 1)));
      const l2 = <f64>(logf(f32x4.extract_lane(s, 2)) - (f32x4.extract_lane(zy, 2) - f32x4.extract_lane(m, 2)));
      const l3 = <f64>(logf(f32x4.extract_lane(s, 3)) - (f32x4.extract_lane(zy, 3) - f32x4.extract_lane(m, 3)));
      loss += l0; loss += l1; loss += l2; loss += l3;
      if (rowLoss != 0) {
        const o = rowLoss + (<usize>r << 3);
        store<f64>(o, l0); store<f64>(o, l1, 8); store<f64>(o, l2, 16); store<f64>(o, l3, 24);
      }
    }
  }
  for (; r < B; r++) {
    const y = labels != 0 ? labels + (<usize>r << 2) : 0;
    const l = f32_softmax_xent_forward__scalar(P + <usize>r * row, Z + <usize>r * row, y, 1, N);
    loss += l;
    if (rowLoss != 0 && labels != 0) store<f64>(rowLoss + (<usize>r << 3), l);
    if (rowCorrect != 0 && labels != 0) store<i32>(rowCorrect + (<usize>r << 2), i32_count_correct_argmax__scalar(P + <usize>r * row, y, 1, N));
  }
  return loss;
}

// dZ is (B,N), P is (B,N) softmax output, labels is (B). dZ may alias P.
export function f32_softmax_xent_backward__scalar(dZ: usize, P: usize, labels: usize, B: i32, N: i32, scale: f32): void {
  for (let r = 0; r < B; r++) {
    const y = load<i32>(labels + (<usize>r << 2));
    for (let j = 0; j < N; j++) {
      const i = (<usize>r * <usize>N + <usize>j) << 2;
      const t: f32 = j == y ? 1 : 0;
      store<f32>(dZ + i, (load<f32>(P + i) - t) * scale);
    }
  }
}

// The same as f32_softmax_xent_backward__scalar, bit for bit, four rows at a time (SIMD builds):
// four rows are 4·N contiguous floats, a whole number of vectors, each P·scale (P − 0 is P, bit for
// bit), then the four labels' elements (P − 1)·scale from P read first (dZ may alias P). Rows past
// the last group of 4 go through the scalar kernel.
export function f32_softmax_xent_backward_4__simd(dZ: usize, P: usize, labels: usize, B: i32, N: i32, scale: f32): void {
  const row = <usize>N << 2, vs = f32x4.splat(scale);
  let r = 0;
  for (; r + 4 <= B; r += 4) {
    const y = labels + (<usize>r << 2);
    const at = <usize>r * row;
    const o0 = at + (<usize>load<i32>(y) << 2), o1 = at + row + (<usize>load<i32>(y, 4) << 2);
    const o2 = at + (row << 1) + (<usize>load<i32>(y, 8) << 2), o3 = at + row * 3 + (<usize>load<i32>(y, 12) << 2);
    const p0 = load<f32>(P + o0), p1 = load<f32>(P + o1), p2 = load<f32>(P + o2), p3 = load<f32>(P + o3);
    const src = P + at, dst = dZ + at;
    for (let j = 0; j < N; j++) {
      const o = <usize>j << 4;
      v128.store(dst + o, f32x4.mul(v128.load(src + o), vs));
    }
    store<f32>(dZ + o0, (p0 - 1) * scale);
    store<f32>(dZ + o1, (p1 - 1) * scale);
    store<f32>(dZ + o2, (p2 - 1) * scale);
    store<f32>(dZ + o3, (p3 - 1) * scale);
  }
  f32_softmax_xent_backward__scalar(dZ + <usize>r * row, P + <usize>r * row, labels + (<usize>r << 2), B - r, N, scale);
}

// P is (B,N) sigmoid(Z), Z is (B,N) logits (P may alias Z), T is (B,N) targets in [0,1] or 0 for none.
// Returns Σ bce computed from the logits: max(z,0) - z·t + log(1 + exp(-|z|)), finite for any z.
export function f32_sigmoid_bce_forward__scalar(P: usize, Z: usize, T: usize, B: i32, N: i32): f64 {
  let loss: f64 = 0;
  const n = B * N;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const z = load<f32>(Z + o);
    if (T != 0) {
      const t = load<f32>(T + o);
      loss += <f64>(max(z, <f32>0) - z * t + logf(1 + expf(-Mathf.abs(z))));
    }
    store<f32>(P + o, sigmoidScalar(z));
  }
  return loss;
}

// dZ is (B,N), P is (B,N) sigmoid output, T is (B,N) targets. dZ may alias P.
export function f32_sigmoid_bce_backward__scalar(dZ: usize, P: usize, T: usize, B: i32, N: i32, scale: f32): void {
  const n = B * N;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dZ + o, (load<f32>(P + o) - load<f32>(T + o)) * scale);
  }
}

// P is (B,N) = Z (copied unless aliased), Z is (B,N), T is (B,N) targets or 0. Returns Σ (z - t)².
export function f32_mse_forward__scalar(P: usize, Z: usize, T: usize, B: i32, N: i32): f64 {
  let loss: f64 = 0;
  const n = B * N;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const z = load<f32>(Z + o);
    if (T != 0) {
      const d = z - load<f32>(T + o);
      loss += <f64>(d * d);
    }
    store<f32>(P + o, z);
  }
  return loss;
}

// dZ is (B,N), P is (B,N) output, T is (B,N) targets. dZ may alias P.
export function f32_mse_backward__scalar(dZ: usize, P: usize, T: usize, B: i32, N: i32, scale: f32): void {
  const n = B * N;
  const s2: f32 = 2 * scale;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dZ + o, (load<f32>(P + o) - load<f32>(T + o)) * s2);
  }
}

// P is (B,N) scores, labels is (B). Counts rows whose argmax (first maximum) equals the label.
export function i32_count_correct_argmax__scalar(P: usize, labels: usize, B: i32, N: i32): i32 {
  let correct = 0;
  for (let r = 0; r < B; r++) {
    const p = P + (<usize>r * <usize>N << 2);
    let best = 0;
    let bestV = load<f32>(p);
    for (let j = 1; j < N; j++) {
      const v = load<f32>(p + (<usize>j << 2));
      if (v > bestV) { bestV = v; best = j; }
    }
    if (best == load<i32>(labels + (<usize>r << 2))) correct++;
  }
  return correct;
}

// P is (B,N) probabilities, T is (B,N) targets. Counts elements where (p ≥ 0.5) == (t ≥ 0.5).
export function i32_count_correct_binary__scalar(P: usize, T: usize, B: i32, N: i32): i32 {
  let correct = 0;
  const n = B * N;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    if ((load<f32>(P + o) >= 0.5) == (load<f32>(T + o) >= 0.5)) correct++;
  }
  return correct;
}
