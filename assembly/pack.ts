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
