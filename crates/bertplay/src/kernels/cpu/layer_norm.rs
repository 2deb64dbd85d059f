//! Residual add + LayerNorm in one pass over each row, `y = γ·(s − μ)/σ + β` with
//! `s = x + residual`, and its backward pass. Rows are spread over the threads.

use super::reduce;
use super::simd::multiversion;
use super::threads::{self, SharedMut};

/// Rows handled per task: enough work to be worth a thread hop.
const ROWS_PER_TASK: usize = 64;

/// Writes `LN(x + residual)` to `out` (`rows × width`), and each row's normalised values `x̂`
/// and `1/σ` to `saved` when the backward pass will need them.
pub fn forward(
    x: &[f32],
    residual: Option<&[f32]>,
    gamma: &[f32],
    beta: &[f32],
    eps: f32,
    out: &mut [f32],
    saved: Option<(&mut [f32], &mut [f32])>,
) {
    let width = gamma.len();
    let rows = x.len() / width;
    let out_ptr = SharedMut(out.as_mut_ptr());
    let saved_ptrs = saved.map(|(normed, rstd)| (SharedMut(normed.as_mut_ptr()), SharedMut(rstd.as_mut_ptr())));
    threads::for_each(rows.div_ceil(ROWS_PER_TASK), |task| {
        let first = task * ROWS_PER_TASK;
        let count = ROWS_PER_TASK.min(rows - first);
        let span = first * width..(first + count) * width;
        // SAFETY: each task writes only its own rows of `out`, `normed` and `rstd`.
        let out = unsafe { std::slice::from_raw_parts_mut(out_ptr.get().add(span.start), span.len()) };
        let saved = saved_ptrs.map(|(normed, rstd)| unsafe {
            (
                std::slice::from_raw_parts_mut(normed.get().add(span.start), span.len()),
                std::slice::from_raw_parts_mut(rstd.get().add(first), count),
            )
        });
        rows_forward(&x[span.clone()], residual.map(|r| &r[span.clone()]), gamma, beta, eps, out, saved);
    });
}

multiversion! {
    fn rows_forward(
        x: &[f32],
        residual: Option<&[f32]>,
        gamma: &[f32],
        beta: &[f32],
        eps: f32,
        out: &mut [f32],
        saved: Option<(&mut [f32], &mut [f32])>,
    ) {
        let mut saved = saved;
        let width = gamma.len();
        for (r, row) in out.chunks_exact_mut(width).enumerate() {
            let input = &x[r * width..(r + 1) * width];
            match residual {
                Some(res) => {
                    for ((o, &a), &b) in row.iter_mut().zip(input).zip(&res[r * width..(r + 1) * width]) {
                        *o = a + b;
                    }
                }
                None => row.copy_from_slice(input),
            }
            let mean = reduce::sum(row) / width as f32;
            for v in row.iter_mut() {
                *v -= mean;
            }
            let var = reduce::dot(row, row) / width as f32;
            let rstd = 1.0 / (var + eps).sqrt();
            for v in row.iter_mut() {
                *v *= rstd;
            }
            if let Some((normed, rstds)) = saved.as_mut() {
                normed[r * width..(r + 1) * width].copy_from_slice(row);
                rstds[r] = rstd;
            }
            for ((v, &g), &b) in row.iter_mut().zip(gamma).zip(beta) {
                *v = *v * g + b;
            }
        }
    }
}

/// The backward pass: from `dy` and what [`forward`] saved, `dx` (the gradient of both `x` and
/// the residual) and the sums `dγ = Σ dy·x̂`, `dβ = Σ dy` over the rows.
pub fn backward(dy: &[f32], normed: &[f32], rstd: &[f32], gamma: &[f32], dx: &mut [f32]) -> (Vec<f32>, Vec<f32>) {
    let width = gamma.len();
    let rows = dy.len() / width;
    let tasks = rows.div_ceil(ROWS_PER_TASK);
    // Per task partial dγ, dβ, added up afterwards (the sum order is fixed: results do not
    // depend on the number of threads).
    let mut partial = vec![0f32; tasks * 2 * width];
    let partial_ptr = SharedMut(partial.as_mut_ptr());
    let dx_ptr = SharedMut(dx.as_mut_ptr());
    threads::for_each(tasks, |task| {
        let first = task * ROWS_PER_TASK;
        let count = ROWS_PER_TASK.min(rows - first);
        let span = first * width..(first + count) * width;
        // SAFETY: each task writes only its own rows of `dx` and its own partial sums.
        let dx = unsafe { std::slice::from_raw_parts_mut(dx_ptr.get().add(span.start), span.len()) };
        let sums = unsafe { std::slice::from_raw_parts_mut(partial_ptr.get().add(task * 2 * width), 2 * width) };
        rows_backward(&dy[span.clone()], &normed[span], &rstd[first..first + count], gamma, dx, sums);
    });
    let (mut d_gamma, mut d_beta) = (vec![0f32; width], vec![0f32; width]);
    for sums in partial.chunks_exact(2 * width) {
        d_gamma.iter_mut().zip(&sums[..width]).for_each(|(d, s)| *d += s);
        d_beta.iter_mut().zip(&sums[width..]).for_each(|(d, s)| *d += s);
    }
    (d_gamma, d_beta)
}

multiversion! {
    fn rows_backward(dy: &[f32], normed: &[f32], rstd: &[f32], gamma: &[f32], dx: &mut [f32], sums: &mut [f32]) {
        let width = gamma.len();
        let (d_gamma, d_beta) = sums.split_at_mut(width);
        for (r, out) in dx.chunks_exact_mut(width).enumerate() {
            let (dy, xhat) = (&dy[r * width..(r + 1) * width], &normed[r * width..(r + 1) * width]);
            // g = dy·γ; dx = (g − mean(g) − x̂·mean(g·x̂)) / σ.
            for ((o, &d), &g) in out.iter_mut().zip(dy).zip(gamma) {
                *o = d * g;
            }
            let mean_g = reduce::sum(out) / width as f32;
            let mean_gx = reduce::dot(out, xhat) / width as f32;
            for (o, &xh) in out.iter_mut().zip(xhat) {
                *o = (*o - mean_g - xh * mean_gx) * rstd[r];
            }
            for (((dg, db), &d), &xh) in d_gamma.iter_mut().zip(d_beta.iter_mut()).zip(dy).zip(xhat) {
                *dg += d * xh;
                *db += d;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: usize, seed: f32) -> Vec<f32> {
        (0..n).map(|i| ((i as f32 + seed) * 0.7361).sin() * 2.0).collect()
    }

    /// LN(x + r) in float64, one row.
    fn reference(x: &[f32], r: &[f32], gamma: &[f32], beta: &[f32], eps: f64) -> Vec<f64> {
        let s: Vec<f64> = x.iter().zip(r).map(|(&a, &b)| a as f64 + b as f64).collect();
        let n = s.len() as f64;
        let mean = s.iter().sum::<f64>() / n;
        let var = s.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        s.iter()
            .zip(gamma)
            .zip(beta)
            .map(|((v, &g), &b)| (v - mean) / (var + eps).sqrt() * g as f64 + b as f64)
            .collect()
    }

    #[test]
    fn forward_matches_float64_over_many_rows() {
        let (rows, width) = (150, 37);
        let (x, r, gamma, beta) =
            (values(rows * width, 0.0), values(rows * width, 9.0), values(width, 3.0), values(width, 5.0));
        let mut out = vec![0.0; rows * width];
        forward(&x, Some(&r), &gamma, &beta, 1e-12, &mut out, None);
        for row in 0..rows {
            let span = row * width..(row + 1) * width;
            let want = reference(&x[span.clone()], &r[span.clone()], &gamma, &beta, 1e-12);
            for (got, want) in out[span].iter().zip(want) {
                assert!((*got as f64 - want).abs() < 1e-5, "row {row}: {got} vs {want}");
            }
        }
    }

    #[test]
    fn backward_matches_finite_differences() {
        let (rows, width) = (70, 12);
        let (x, gamma, beta, dy) =
            (values(rows * width, 1.0), values(width, 2.0), values(width, 4.0), values(rows * width, 7.0));
        let zeros = vec![0.0; rows * width];
        let mut out = vec![0.0; rows * width];
        let (mut normed, mut rstd) = (vec![0.0; rows * width], vec![0.0; rows]);
        forward(&x, None, &gamma, &beta, 1e-12, &mut out, Some((&mut normed, &mut rstd)));
        let mut dx = vec![0.0; rows * width];
        let (d_gamma, d_beta) = backward(&dy, &normed, &rstd, &gamma, &mut dx);
        // loss = Σ dy·LN(x): its slope along each coordinate, in float64.
        let loss = |x: &[f32], gamma: &[f32], beta: &[f32]| -> f64 {
            (0..rows)
                .map(|row| {
                    let span = row * width..(row + 1) * width;
                    let y = reference(&x[span.clone()], &zeros[span.clone()], gamma, beta, 1e-12);
                    y.iter().zip(&dy[span]).map(|(a, &b)| a * b as f64).sum::<f64>()
                })
                .sum()
        };
        let h = 1e-2;
        for i in [0, 5, 13, 400, rows * width - 1] {
            let (mut up, mut down) = (x.clone(), x.clone());
            up[i] += h;
            down[i] -= h;
            let slope = (loss(&up, &gamma, &beta) - loss(&down, &gamma, &beta)) / (2.0 * h as f64);
            assert!((dx[i] as f64 - slope).abs() < 1e-2 * (1.0 + slope.abs()), "dx[{i}] = {} vs {slope}", dx[i]);
        }
        for j in [0, 7, width - 1] {
            let (mut up, mut down) = (gamma.clone(), gamma.clone());
            up[j] += h;
            down[j] -= h;
            let slope = (loss(&x, &up, &beta) - loss(&x, &down, &beta)) / (2.0 * h as f64);
            assert!((d_gamma[j] as f64 - slope).abs() < 1e-2 * (1.0 + slope.abs()), "dγ[{j}]");
            let sum: f32 = (0..rows).map(|row| dy[row * width + j]).sum();
            assert!((d_beta[j] - sum).abs() < 1e-4, "dβ[{j}]");
        }
    }
}
