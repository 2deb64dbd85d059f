//! Matrix multiplication on the CPU, `C = A·B`, where BERT spends most of its time: the Q, K, V
//! and output projections and both halves of the feed-forward block.
//!
//! The usual blocked scheme: B is copied ("packed") a block of `KC` rows at a time into panels
//! `NR` columns wide, and a block of `MC` rows of A into a compact buffer, so that a small kernel
//! keeps an `MR × NR` tile of C in registers while it streams a panel of B from L1 and `MR` rows
//! of A from L2. The kernel is written for AVX2 + FMA (x86-64, chosen at run time) and for wasm
//! SIMD128; other CPUs get a portable one. Copying also makes any layout of A and B cost the
//! same, so the backward pass's transposed products (`dY·Wᵀ`, `Xᵀ·dY`) need no extra copies.
//! Bias and activation are applied to each block of C while it is still in cache. Threads split
//! C's columns.

use std::cell::RefCell;

use super::activation::Activation;
use super::threads::{self, SharedMut};

/// A read-only matrix: element `(i, j)` is `data[i * row_stride + j * col_stride]`.
#[derive(Clone, Copy, Debug)]
pub struct Mat<'a> {
    pub data: &'a [f32],
    pub rows: usize,
    pub cols: usize,
    pub row_stride: usize,
    pub col_stride: usize,
}

impl<'a> Mat<'a> {
    /// A dense row-major `rows × cols` matrix.
    pub fn rows(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self { data, rows, cols, row_stride: cols, col_stride: 1 }
    }

    /// The same numbers read as the transpose (no copy).
    pub fn t(self) -> Self {
        Self { rows: self.cols, cols: self.rows, row_stride: self.col_stride, col_stride: self.row_stride, ..self }
    }

    /// Rows `start..start + len`.
    pub fn row_range(self, start: usize, len: usize) -> Self {
        Self { data: &self.data[start * self.row_stride..], rows: len, ..self }
    }

    /// Columns `start..start + len`.
    pub fn col_range(self, start: usize, len: usize) -> Self {
        Self { data: &self.data[start * self.col_stride..], cols: len, ..self }
    }
}

/// What is done to every finished element of C: `act(c + bias[column])`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Epilogue<'a> {
    pub bias: Option<&'a [f32]>,
    pub act: Activation,
}

/// Rows of B packed at once: a `KC × NR` panel (16 KB) and `MR` rows of A stay in L1.
const KC: usize = 256;
/// Rows of A packed at once (an `MC × KC` block, 144 KB, stays in L2); BERT's usual 128-token
/// inputs fit in one block, so each packed panel of B is used for all of them.
const MC: usize = 144;
/// Columns of B packed at once (`KC × NC`, 2 MB), so a 30,522-word decoder does not pack 30 MB.
const NC: usize = 2048;
/// Below this many multiply-adds a second thread costs more than it saves.
const PARALLEL_WORK: usize = 1 << 18;

/// `c = a·b` (or `c += a·b` when `accumulate`), then the epilogue. `c` is `a.rows × b.cols`
/// with rows `ldc` apart. Uses every thread when the product is large enough.
pub fn gemm(a: Mat, b: Mat, c: &mut [f32], ldc: usize, accumulate: bool, epilogue: Epilogue) {
    let (m, n) = (a.rows, b.cols);
    assert_eq!(a.cols, b.rows, "gemm: inner dimensions differ");
    assert!(m == 0 || c.len() >= (m - 1) * ldc + n, "gemm: output too small");
    let threads = threads::count();
    let work = m * n * a.cols;
    if threads == 1 || work < PARALLEL_WORK || n < 2 * 64 {
        return gemm_serial(a, b, c, ldc, accumulate, epilogue);
    }
    let out = SharedMut(c.as_mut_ptr());
    let len = c.len();
    // Column blocks in multiples of 64 (any kernel's NR divides it), as even as that allows.
    let per = n.div_ceil(threads).div_ceil(64) * 64;
    threads::for_each(n.div_ceil(per), |t| {
        let start = t * per;
        let cols = per.min(n - start);
        // SAFETY: block `t` writes only columns `start..start + cols` of each row; blocks are disjoint.
        let c = unsafe { std::slice::from_raw_parts_mut(out.get().add(start), len - start) };
        let bias = epilogue.bias.map(|bias| &bias[start..start + cols]);
        gemm_serial(a, b.col_range(start, cols), c, ldc, accumulate, Epilogue { bias, ..epilogue });
    });
}

/// [`gemm`] on the calling thread only (for callers that already split the work).
pub fn gemm_serial(a: Mat, b: Mat, c: &mut [f32], ldc: usize, accumulate: bool, epilogue: Epilogue) {
    #[cfg(target_arch = "x86_64")]
    if super::simd::has_avx2_fma() {
        return blocked::<avx2::Kernel>(a, b, c, ldc, accumulate, epilogue);
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    return blocked::<wasm::Kernel>(a, b, c, ldc, accumulate, epilogue);
    #[allow(unreachable_code)]
    blocked::<portable::Kernel>(a, b, c, ldc, accumulate, epilogue)
}

/// An `MR × NR` register-tile kernel.
trait TileKernel {
    const MR: usize;
    const NR: usize;

    /// `tile = Σₖ A[·, k]·B[k, ·]` over `kc` steps, then the top-left `mr × nr` of it stored into
    /// `c` (added to what is there when `accumulate`). Row `i` of A starts at `a + i·lda`; B is a
    /// packed panel, `NR` values per step.
    ///
    /// # Safety
    /// `a` is valid for `MR` rows of `kc` values, `lda` apart; `b` holds `kc · NR` values, 64-byte
    /// aligned; `c` is valid for `mr` rows of `nr` values, `ldc` apart; `mr ≤ MR`, `nr ≤ NR`;
    /// the CPU has the kernel's features.
    #[allow(clippy::too_many_arguments)]
    unsafe fn tile(
        kc: usize,
        a: *const f32,
        lda: usize,
        b: *const f32,
        c: *mut f32,
        ldc: usize,
        mr: usize,
        nr: usize,
        accumulate: bool,
    );

    /// [`pack_b`] with this kernel's panel width.
    fn pack_b(src: Mat, dst: &mut [f32]);
}

thread_local! {
    /// Packing buffers (A, B), kept per thread so calls do not allocate.
    static PACKS: RefCell<[Vec<f32>; 2]> = const { RefCell::new([Vec::new(), Vec::new()]) };
}

/// `len` values of `buffer`, starting at a 64-byte boundary: a kernel's loads of a packed panel
/// then never straddle two cache lines.
fn aligned(buffer: &mut Vec<f32>, len: usize) -> &mut [f32] {
    buffer.resize(len + 16, 0.0);
    let skip = buffer.as_ptr().align_offset(64).min(16);
    &mut buffer[skip..skip + len]
}

fn blocked<K: TileKernel>(a: Mat, b: Mat, c: &mut [f32], ldc: usize, accumulate: bool, epilogue: Epilogue) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    if m == 0 || n == 0 {
        return;
    }
    let finishing = epilogue.bias.is_some() || epilogue.act != Activation::Identity;
    if k == 0 {
        if !accumulate {
            for i in 0..m {
                c[i * ldc..i * ldc + n].fill(0.0);
            }
        }
        finish_rows(c, m, n, ldc, epilogue.bias, epilogue.act);
        return;
    }
    // K blocks of equal size (a multiple of 8) no larger than KC.
    let kc_max = k.div_ceil(k.div_ceil(KC)).div_ceil(8) * 8;
    PACKS.with_borrow_mut(|[buffer_a, buffer_b]| {
        for jc in (0..n).step_by(NC) {
            let nc = NC.min(n - jc);
            let panels_b = nc.div_ceil(K::NR);
            for pc in (0..k).step_by(kc_max) {
                let kc = kc_max.min(k - pc);
                let first = pc == 0;
                let last = pc + kc == k;
                let packed_b = aligned(buffer_b, panels_b * K::NR * kc);
                K::pack_b(b.row_range(pc, kc).col_range(jc, nc), packed_b);
                // A's rows are copied apart by a little more than kc: rows 4 KB apart would
                // share L1 cache sets while the kernel streams them side by side.
                let lda = kc + 16;
                for ic in (0..m).step_by(MC) {
                    let mc = MC.min(m - ic);
                    let padded_rows = mc.div_ceil(K::MR) * K::MR;
                    let rows = aligned(buffer_a, padded_rows * lda);
                    copy_rows(a.row_range(ic, mc).col_range(pc, kc), rows, lda);
                    // Rows past the end of A: zeros, so the kernel always reads whole panels.
                    rows[mc * lda..].fill(0.0);
                    for jr in 0..panels_b {
                        let nr = K::NR.min(nc - jr * K::NR);
                        let bp = packed_b[jr * K::NR * kc..].as_ptr();
                        for ir in 0..padded_rows / K::MR {
                            let mr = K::MR.min(mc - ir * K::MR);
                            let tile = &mut c[(ic + ir * K::MR) * ldc + jc + jr * K::NR..];
                            // SAFETY: `rows` holds MR whole rows of kc values, lda apart, from
                            // row ir·MR; the packed panel of B holds kc·NR values from a 64-byte
                            // boundary (NR·4 bytes a step); the tile's mr rows of nr values lie
                            // inside c (checked by `gemm`).
                            unsafe {
                                let ap = rows[ir * K::MR * lda..].as_ptr();
                                K::tile(kc, ap, lda, bp, tile.as_mut_ptr(), ldc, mr, nr, accumulate || !first);
                            }
                        }
                    }
                    if last && finishing {
                        let bias = epilogue.bias.map(|bias| &bias[jc..jc + nc]);
                        finish_rows(&mut c[ic * ldc + jc..], mc, nc, ldc, bias, epilogue.act);
                    }
                }
            }
        }
    });
}

/// Copies B into panels `W` columns wide, zero-padding the last one: for each k, the panel's `W`
/// values side by side, as the kernel reads them. (`W` is a constant so that copying a step is a
/// couple of vector moves, not a call to `memcpy`.)
fn pack_b<const W: usize>(src: Mat, dst: &mut [f32]) {
    let (cols, depth) = (src.cols, src.rows);
    for (p, panel) in dst.chunks_exact_mut(W * depth).take(cols.div_ceil(W)).enumerate() {
        let first = p * W;
        let used = W.min(cols - first);
        if src.col_stride == 1 && used == W {
            for (d, out) in panel.chunks_exact_mut(W).enumerate() {
                let start = first + d * src.row_stride;
                let run: &[f32; W] = src.data[start..start + W].try_into().expect("W values");
                out.copy_from_slice(run);
            }
            continue;
        }
        if used < W {
            panel.fill(0.0);
        }
        // A transposed source or the last, narrower panel: value by value, each column a run.
        for l in 0..used {
            let column = &src.data[(first + l) * src.col_stride..];
            for d in 0..depth {
                panel[d * W + l] = column[d * src.row_stride];
            }
        }
    }
}

/// Copies A's block into `dst`, row `i` at `dst[i·ld..]`.
fn copy_rows(src: Mat, dst: &mut [f32], ld: usize) {
    let cols = src.cols;
    if src.col_stride == 1 {
        for (i, out) in dst.chunks_exact_mut(ld).take(src.rows).enumerate() {
            let start = i * src.row_stride;
            out[..cols].copy_from_slice(&src.data[start..start + cols]);
        }
    } else if src.row_stride == 1 {
        // A transposed view: each column is a run. Eight columns at a time, so every row of
        // `dst` gets eight neighbouring values per visit instead of one.
        for k0 in (0..cols).step_by(8) {
            let width = 8.min(cols - k0);
            let columns: [&[f32]; 8] = std::array::from_fn(|j| &src.data[(k0 + j.min(width - 1)) * src.col_stride..]);
            for i in 0..src.rows {
                let out = &mut dst[i * ld + k0..i * ld + k0 + width];
                for (j, value) in out.iter_mut().enumerate() {
                    *value = columns[j][i];
                }
            }
        }
    } else {
        for (i, out) in dst.chunks_exact_mut(ld).take(src.rows).enumerate() {
            let row = &src.data[i * src.row_stride..];
            for (k, value) in out[..cols].iter_mut().enumerate() {
                *value = row[k * src.col_stride];
            }
        }
    }
}

super::simd::multiversion! {
    /// Bias and activation over a tile, row by row.
    fn finish_rows(c: &mut [f32], rows: usize, cols: usize, ldc: usize, bias: Option<&[f32]>, act: Activation) {
        for r in 0..rows {
            let row = &mut c[r * ldc..r * ldc + cols];
            if let Some(bias) = bias {
                for (v, b) in row.iter_mut().zip(bias) {
                    *v += b;
                }
            }
            act.apply_inline(row);
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::{Mat, TileKernel};

    /// 6 rows × 16 columns: 12 accumulators, 2 loads of B and one broadcast of A in 16 registers.
    pub struct Kernel;

    const MR: usize = 6;
    const NV: usize = 2;

    impl TileKernel for Kernel {
        const MR: usize = MR;
        const NR: usize = NV * 8;

        fn pack_b(src: Mat, dst: &mut [f32]) {
            super::pack_b::<{ NV * 8 }>(src, dst);
        }

        #[target_feature(enable = "avx2,fma")]
        unsafe fn tile(
            kc: usize,
            a: *const f32,
            lda: usize,
            b: *const f32,
            c: *mut f32,
            ldc: usize,
            mr: usize,
            nr: usize,
            accumulate: bool,
        ) {
            let mut acc = [[_mm256_setzero_ps(); NV]; MR];
            let rows: [*const f32; MR] = std::array::from_fn(|i| a.add(i * lda));
            for k in 0..kc {
                let bk = b.add(k * NV * 8);
                let b0 = _mm256_load_ps(bk);
                let b1 = _mm256_load_ps(bk.add(8));
                for (acc, row) in acc.iter_mut().zip(&rows) {
                    let ai = _mm256_broadcast_ss(&*row.add(k));
                    acc[0] = _mm256_fmadd_ps(ai, b0, acc[0]);
                    acc[1] = _mm256_fmadd_ps(ai, b1, acc[1]);
                }
            }
            if mr == MR && nr == NV * 8 {
                for (i, acc) in acc.iter().enumerate() {
                    for (v, &value) in acc.iter().enumerate() {
                        let out = c.add(i * ldc + v * 8);
                        let value = if accumulate { _mm256_add_ps(value, _mm256_loadu_ps(out)) } else { value };
                        _mm256_storeu_ps(out, value);
                    }
                }
            } else {
                let mut tile = [0f32; MR * NV * 8];
                for (i, acc) in acc.iter().enumerate() {
                    for (v, &value) in acc.iter().enumerate() {
                        _mm256_storeu_ps(tile.as_mut_ptr().add(i * NV * 8 + v * 8), value);
                    }
                }
                super::store_partial(&tile, NV * 8, c, ldc, mr, nr, accumulate);
            }
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm {
    use std::arch::wasm32::*;

    use super::{Mat, TileKernel};

    /// 4 rows × 8 columns: 8 accumulators (no fused multiply-add in SIMD128).
    pub struct Kernel;

    const MR: usize = 4;
    const NV: usize = 2;

    impl TileKernel for Kernel {
        const MR: usize = MR;
        const NR: usize = NV * 4;

        fn pack_b(src: Mat, dst: &mut [f32]) {
            super::pack_b::<{ NV * 4 }>(src, dst);
        }

        unsafe fn tile(
            kc: usize,
            a: *const f32,
            lda: usize,
            b: *const f32,
            c: *mut f32,
            ldc: usize,
            mr: usize,
            nr: usize,
            accumulate: bool,
        ) {
            let mut acc = [[f32x4_splat(0.0); NV]; MR];
            let rows: [*const f32; MR] = std::array::from_fn(|i| a.add(i * lda));
            for k in 0..kc {
                let bk = b.add(k * NV * 4);
                let b0 = v128_load(bk as *const v128);
                let b1 = v128_load(bk.add(4) as *const v128);
                for (acc, row) in acc.iter_mut().zip(&rows) {
                    let ai = f32x4_splat(*row.add(k));
                    acc[0] = f32x4_add(acc[0], f32x4_mul(ai, b0));
                    acc[1] = f32x4_add(acc[1], f32x4_mul(ai, b1));
                }
            }
            if mr == MR && nr == NV * 4 {
                for (i, acc) in acc.iter().enumerate() {
                    for (v, &value) in acc.iter().enumerate() {
                        let out = c.add(i * ldc + v * 4) as *mut v128;
                        let value = if accumulate { f32x4_add(value, v128_load(out)) } else { value };
                        v128_store(out, value);
                    }
                }
            } else {
                let mut tile = [0f32; MR * NV * 4];
                for (i, acc) in acc.iter().enumerate() {
                    for (v, &value) in acc.iter().enumerate() {
                        v128_store(tile.as_mut_ptr().add(i * NV * 4 + v * 4) as *mut v128, value);
                    }
                }
                super::store_partial(&tile, NV * 4, c, ldc, mr, nr, accumulate);
            }
        }
    }
}

/// For CPUs without a kernel of their own; plain loops the compiler vectorises as it can.
mod portable {
    use super::{Mat, TileKernel};

    pub struct Kernel;

    const MR: usize = 4;
    const NR: usize = 8;

    impl TileKernel for Kernel {
        const MR: usize = MR;
        const NR: usize = NR;

        fn pack_b(src: Mat, dst: &mut [f32]) {
            super::pack_b::<NR>(src, dst);
        }

        unsafe fn tile(
            kc: usize,
            a: *const f32,
            lda: usize,
            b: *const f32,
            c: *mut f32,
            ldc: usize,
            mr: usize,
            nr: usize,
            accumulate: bool,
        ) {
            let rows: [&[f32]; MR] = std::array::from_fn(|i| std::slice::from_raw_parts(a.add(i * lda), kc));
            let b = std::slice::from_raw_parts(b, kc * NR);
            let mut tile = [0f32; MR * NR];
            for (k, bk) in b.chunks_exact(NR).enumerate() {
                for i in 0..MR {
                    let ai = rows[i][k];
                    for j in 0..NR {
                        tile[i * NR + j] += ai * bk[j];
                    }
                }
            }
            super::store_partial(&tile, NR, c, ldc, mr, nr, accumulate);
        }
    }
}

/// Stores the top-left `mr × nr` of a `· × width` tile.
///
/// # Safety
/// `c` is valid for `mr` rows of `nr` values, `ldc` apart.
unsafe fn store_partial(tile: &[f32], width: usize, c: *mut f32, ldc: usize, mr: usize, nr: usize, accumulate: bool) {
    for i in 0..mr {
        for j in 0..nr {
            let out = c.add(i * ldc + j);
            let value = tile[i * width + j];
            *out = if accumulate { *out + value } else { value };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic matrix of small values.
    fn values(n: usize, seed: u32) -> Vec<f32> {
        (0..n)
            .map(|i| ((i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) >> 20) as f32 / 4096.0 - 0.5)
            .collect()
    }

    /// The `rows × cols` row-major matrix `x` stored column by column.
    fn transposed(x: &[f32], rows: usize, cols: usize) -> Vec<f32> {
        (0..cols * rows).map(|i| x[(i % rows) * cols + i / rows]).collect()
    }

    fn naive(a: Mat, b: Mat) -> Vec<f64> {
        let mut c = vec![0.0; a.rows * b.cols];
        for i in 0..a.rows {
            for j in 0..b.cols {
                c[i * b.cols + j] = (0..a.cols)
                    .map(|k| {
                        a.data[i * a.row_stride + k * a.col_stride] as f64
                            * b.data[k * b.row_stride + j * b.col_stride] as f64
                    })
                    .sum();
            }
        }
        c
    }

    fn check(m: usize, k: usize, n: usize, transpose_a: bool, transpose_b: bool) {
        let (a_data, b_data) = (values(m * k, 1), values(k * n, 2));
        let a = if transpose_a { Mat::rows(&a_data, k, m).t() } else { Mat::rows(&a_data, m, k) };
        let b = if transpose_b { Mat::rows(&b_data, n, k).t() } else { Mat::rows(&b_data, k, n) };
        let want = naive(a, b);
        let mut c = vec![f32::NAN; m * n];
        gemm(a, b, &mut c, n, false, Epilogue::default());
        for (idx, (&got, &want)) in c.iter().zip(&want).enumerate() {
            assert!(
                (got as f64 - want).abs() < 1e-4 * (1.0 + k as f64).sqrt(),
                "{m}×{k}×{n} at {idx}: {got} vs {want}"
            );
        }
        // Accumulating adds the same product again.
        gemm(a, b, &mut c, n, true, Epilogue::default());
        for (&got, &want) in c.iter().zip(&want) {
            assert!((got as f64 - 2.0 * want).abs() < 2e-4 * (1.0 + k as f64).sqrt());
        }
    }

    #[test]
    fn matches_a_naive_product_for_every_layout_and_ragged_size() {
        for &(m, k, n) in
            &[(1, 1, 1), (7, 5, 3), (6, 16, 16), (13, 300, 37), (32, 384, 384), (100, 520, 130), (2, 9, 700)]
        {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                check(m, k, n, ta, tb);
            }
        }
    }

    #[test]
    fn the_portable_kernel_agrees_with_the_one_this_cpu_uses() {
        let (m, k, n) = (29, 300, 45);
        let (a, b) = (values(m * k, 8), values(k * n, 9));
        let (mut fast, mut portable) = (vec![0.0; m * n], vec![0.0; m * n]);
        gemm_serial(Mat::rows(&a, m, k), Mat::rows(&b, k, n).t().t(), &mut fast, n, false, Epilogue::default());
        blocked::<portable::Kernel>(
            Mat::rows(&a, m, k),
            Mat::rows(&b, k, n),
            &mut portable,
            n,
            false,
            Epilogue::default(),
        );
        // And with both operands transposed views (every packing path).
        let (at, bt) = (transposed(&a, m, k), transposed(&b, k, n));
        let mut both = vec![0.0; m * n];
        blocked::<portable::Kernel>(
            Mat::rows(&at, k, m).t(),
            Mat::rows(&bt, n, k).t(),
            &mut both,
            n,
            false,
            Epilogue::default(),
        );
        for (x, y) in fast.iter().zip(&both) {
            assert!((x - y).abs() < 1e-4);
        }
        for (x, y) in fast.iter().zip(&portable) {
            assert!((x - y).abs() < 1e-4);
        }
    }

    #[test]
    fn large_products_split_over_threads_the_same() {
        check(130, 300, 1000, false, false);
        check(97, 2100, 200, false, true);
    }

    #[test]
    fn bias_and_activation_are_applied_once_after_the_last_k_block() {
        let (m, k, n) = (9, 600, 40);
        let (a, b, bias) = (values(m * k, 3), values(k * n, 4), values(n, 5));
        let want = naive(Mat::rows(&a, m, k), Mat::rows(&b, k, n));
        let mut c = vec![0.0; m * n];
        let epilogue = Epilogue { bias: Some(&bias), act: Activation::Gelu };
        gemm(Mat::rows(&a, m, k), Mat::rows(&b, k, n), &mut c, n, false, epilogue);
        for (idx, &got) in c.iter().enumerate() {
            let z = want[idx] + bias[idx % n] as f64;
            let gelu = 0.5 * z * (1.0 + libm::erf(z / 2f64.sqrt()));
            assert!((got as f64 - gelu).abs() < 1e-4, "{idx}: {got} vs {gelu}");
        }
    }

    #[test]
    fn writes_only_its_own_rows_and_columns() {
        let (a, b) = (values(5 * 4, 6), values(4 * 3, 7));
        let ldc = 8;
        let mut c = vec![7.0; 5 * ldc];
        gemm(Mat::rows(&a, 5, 4), Mat::rows(&b, 4, 3), &mut c, ldc, false, Epilogue::default());
        for (idx, &v) in c.iter().enumerate() {
            if idx % ldc >= 3 {
                assert_eq!(v, 7.0, "untouched at {idx}");
            }
        }
    }
}
