// Conversions between the documented weight layout, W (N,K) row-major, and the packed layout the
// dense kernels use: NP = ceil(N/8) panels of (K, 8), W[o][k] at ((o >> 3)·K + k)·8 + (o & 7).
// Lanes of the last panel past N are written as zero (they must stay zero: see dense.ts).

// Wp is packed (NP,K,8), W is (N,K)
export function f32_pack_weights(Wp: usize, W: usize, N: i32, K: i32): void {
  const NP = (N + 7) >> 3;
  for (let p = 0; p < NP; p++) {
    for (let k = 0; k < K; k++) {
      const dst = Wp + (((<usize>p * <usize>K + <usize>k) << 3) << 2);
      for (let c = 0; c < 8; c++) {
        const o = (p << 3) + c;
        store<f32>(dst + (<usize>c << 2), o < N ? load<f32>(W + ((<usize>o * <usize>K + <usize>k) << 2)) : 0);
      }
    }
  }
}

// W is (N,K), Wp is packed (NP,K,8)
export function f32_unpack_weights(W: usize, Wp: usize, N: i32, K: i32): void {
  for (let o = 0; o < N; o++) {
    for (let k = 0; k < K; k++) {
      const src = Wp + ((((<usize>(o >> 3) * <usize>K + <usize>k) << 3) + <usize>(o & 7)) << 2);
      store<f32>(W + ((<usize>o * <usize>K + <usize>k) << 2), load<f32>(src));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Operand regrouping for the weight gradient (dense.ts f32_dense_backward_weights_packed_4x8__simd):
// each reduction over the batch then reads its operands as contiguous streams, whatever the
// layer's width (row-major rows 4 KiB apart fall into one L1 set: see dense.ts weightGradPanel).

// Zq is (ceil(N/8),B,8), dZ is (B,N): rows [r0,r1) of dZ regrouped by output panels, column o of
// row r at Zq[o >> 3][r][o & 7]; the lanes of the last panel past N are written as zero. Panels
// [p0,p1) only (p1 < 0: to the last): a thread that computed those columns packs its own.
export function f32_pack_rows_by8(Zq: usize, dZ: usize, B: i32, N: i32, r0: i32, r1: i32, p0: i32 = 0, p1: i32 = -1): void {
  const P = N >> 3, tail = N & 7, row = <usize>N << 2, panel = <usize>B << 5;
  const end = p1 < 0 ? (N + 7) >> 3 : p1;
  for (let p = p0; p < min(P, end); p++) {
    let src = dZ + <usize>r0 * row + (<usize>p << 5), dst = Zq + <usize>p * panel + (<usize>r0 << 5);
    for (let r = r0; r < r1; r++, src += row, dst += 32) {
      if (ASC_FEATURE_SIMD) { v128.store(dst, v128.load(src)); v128.store(dst, v128.load(src, 16), 16); }
      else memory.copy(dst, src, 32);
    }
  }
  if (tail != 0 && p0 <= P && P < end) {
    let src = dZ + <usize>r0 * row + (<usize>P << 5), dst = Zq + <usize>P * panel + (<usize>r0 << 5);
    for (let r = r0; r < r1; r++, src += row, dst += 32) {
      for (let c = 0; c < 8; c++) store<f32>(dst + (<usize>c << 2), c < tail ? load<f32>(src + (<usize>c << 2)) : 0);
    }
  }
}

// Xq is (ceil(K/4),B,4), X is (B,K): rows [r0,r1) of X regrouped by 4 inputs, input k of row r at
// Xq[k >> 2][r][k & 3]; the lanes of the last group past K are written as zero. Groups [g0,g1)
// only (g1 < 0: to the last): a thread that computed those columns packs its own.
export function f32_pack_rows_by4(Xq: usize, X: usize, B: i32, K: i32, r0: i32, r1: i32, g0: i32 = 0, g1: i32 = -1): void {
  // groups outer, rows inner: the stores run contiguously down a group, while the loads walk the
  // unit's few rows (a store stride of 16·B bytes would put every group of a row in one L1 set
  // at B = 256)
  const G = K >> 2, tail = K & 3, row = <usize>K << 2, group = <usize>B << 4;
  const end = g1 < 0 ? (K + 3) >> 2 : g1;
  for (let g = g0; g < min(G, end); g++) {
    let src = X + (<usize>r0 * row) + (<usize>g << 4), dst = Xq + <usize>g * group + (<usize>r0 << 4);
    for (let r = r0; r < r1; r++, src += row, dst += 16) {
      if (ASC_FEATURE_SIMD) v128.store(dst, v128.load(src));
      else memory.copy(dst, src, 16);
    }
  }
  if (tail != 0 && g0 <= G && G < end) {
    let src = X + (<usize>r0 * row) + (<usize>G << 4), dst = Xq + <usize>G * group + (<usize>r0 << 4);
    for (let r = r0; r < r1; r++, src += row, dst += 16) {
      for (let c = 0; c < 4; c++) store<f32>(dst + (<usize>c << 2), c < tail ? load<f32>(src + (<usize>c << 2)) : 0);
    }
  }
}
