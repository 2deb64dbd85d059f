//! Scaled dot-product attention for every head at once, reading Q, K and V where the projections
//! left them (`[batch, seq, hidden]`, head `h` in columns `h·d..(h+1)·d`) and writing each head's
//! context straight into its columns of the output: no copies to split or merge heads.
//!
//! Per (sequence, head): scores `S = Q·Kᵀ`, `P = softmax(scale·S + mask)` row by row, then
//! `C = P·V` (with dropout, `C = (P ⊙ M)·V`). (sequence, head) pairs run on the threads; each
//! product is a small [`gemm_serial`].

use std::cell::RefCell;

use super::gemm::{gemm_serial, Epilogue, Mat};
use super::math;
use super::reduce;
use super::simd::multiversion;
use super::threads::{self, SharedMut};

/// Where Q, K and V are: `[batch, seq, row_stride]` buffers, heads of `head_dim` columns.
#[derive(Clone, Copy)]
pub struct Heads<'a> {
    pub q: &'a [f32],
    pub k: &'a [f32],
    pub v: &'a [f32],
    pub batch: usize,
    pub seq: usize,
    pub heads: usize,
    pub head_dim: usize,
    pub row_stride: usize,
}

impl<'a> Heads<'a> {
    /// One head of one sequence of `x` as a `seq × head_dim` matrix.
    fn head(&self, x: &'a [f32], b: usize, h: usize) -> Mat<'a> {
        let start = self.offset(b, h);
        Mat { data: &x[start..], rows: self.seq, cols: self.head_dim, row_stride: self.row_stride, col_stride: 1 }
    }

    /// Offset of head `h` of sequence `b` in a `[batch, seq, row_stride]` buffer.
    fn offset(&self, b: usize, h: usize) -> usize {
        b * self.seq * self.row_stride + h * self.head_dim
    }
}

/// The inputs besides Q, K, V.
#[derive(Clone, Copy)]
pub struct Options<'a> {
    /// Usually `1/√head_dim`.
    pub scale: f32,
    /// `[batch, seq]` additive key mask: 0 for real tokens, a huge negative number for padding.
    pub mask: &'a [f32],
    /// `[batch, heads, seq, seq]` dropout multipliers (0 or `1/(1−p)`), while training.
    pub dropout: Option<&'a [f32]>,
}

thread_local! {
    /// Per-thread `seq × seq` scratch matrices.
    static SCRATCH: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// Writes every head's context into `context` (`[batch, seq, heads·head_dim]`) and, when given,
/// the softmax probabilities into `probs` (`[batch, heads, seq, seq]`, before dropout).
pub fn forward(x: Heads, opts: Options, context: &mut [f32], probs: Option<&mut [f32]>) {
    let (seq, hidden) = (x.seq, x.heads * x.head_dim);
    let context_len = context.len();
    let context_ptr = SharedMut(context.as_mut_ptr());
    let probs_ptr = probs.map(|p| SharedMut(p.as_mut_ptr()));
    threads::for_each(x.batch * x.heads, |task| {
        let (b, h) = (task / x.heads, task % x.heads);
        // SAFETY: task (b, h) writes only its own head's columns of sequence b in `context` and
        // its own seq × seq block of `probs`.
        let start = b * seq * hidden + h * x.head_dim;
        let c = unsafe { std::slice::from_raw_parts_mut(context_ptr.get().add(start), context_len - start) };
        SCRATCH.with_borrow_mut(|scratch| {
            scratch.resize(2 * seq * seq, 0.0);
            let (own, dropped) = scratch.split_at_mut(seq * seq);
            let p = match probs_ptr {
                Some(ptr) => unsafe { std::slice::from_raw_parts_mut(ptr.get().add(task * seq * seq), seq * seq) },
                None => own,
            };
            gemm_serial(x.head(x.q, b, h), x.head(x.k, b, h).t(), p, seq, false, Epilogue::default());
            softmax_rows(p, seq, opts.scale, &opts.mask[b * seq..(b + 1) * seq]);
            let weights = match opts.dropout {
                Some(mask) => {
                    multiply(p, &mask[task * seq * seq..(task + 1) * seq * seq], dropped);
                    &*dropped
                }
                None => &*p,
            };
            gemm_serial(Mat::rows(weights, seq, seq), x.head(x.v, b, h), c, hidden, false, Epilogue::default());
        });
    });
}

/// Gradients of Q, K and V (`[batch, seq, heads·head_dim]` each) from the context's gradient
/// `d_context` and the probabilities [`forward`] wrote.
pub fn backward(
    x: Heads,
    opts: Options,
    probs: &[f32],
    d_context: &[f32],
    dq: &mut [f32],
    dk: &mut [f32],
    dv: &mut [f32],
) {
    let (seq, hidden) = (x.seq, x.heads * x.head_dim);
    let out = [SharedMut(dq.as_mut_ptr()), SharedMut(dk.as_mut_ptr()), SharedMut(dv.as_mut_ptr())];
    let len = dq.len();
    let grads = Heads { q: d_context, k: d_context, v: d_context, row_stride: hidden, ..x };
    threads::for_each(x.batch * x.heads, |task| {
        let (b, h) = (task / x.heads, task % x.heads);
        let start = grads.offset(b, h);
        // SAFETY: task (b, h) writes only its own head's columns of sequence b in dq, dk, dv.
        let [dq, dk, dv] = out.map(|ptr| unsafe { std::slice::from_raw_parts_mut(ptr.get().add(start), len - start) });
        let p = &probs[task * seq * seq..(task + 1) * seq * seq];
        let d_out = grads.head(d_context, b, h);
        SCRATCH.with_borrow_mut(|scratch| {
            scratch.resize(2 * seq * seq, 0.0);
            let (dropped, dp) = scratch.split_at_mut(seq * seq);
            let mask = opts.dropout.map(|mask| &mask[task * seq * seq..(task + 1) * seq * seq]);
            // dV = (P ⊙ M)ᵀ·dC.
            let used = match mask {
                Some(mask) => {
                    multiply(p, mask, dropped);
                    &*dropped
                }
                None => p,
            };
            gemm_serial(Mat::rows(used, seq, seq).t(), d_out, dv, hidden, false, Epilogue::default());
            // dP = (dC·Vᵀ) ⊙ M, then through the softmax; the scale folds in here.
            gemm_serial(d_out, x.head(x.v, b, h).t(), dp, seq, false, Epilogue::default());
            if let Some(mask) = mask {
                let copy = dp.to_vec();
                multiply(&copy, mask, dp);
            }
            softmax_backward_rows(p, dp, seq, opts.scale);
            // S = Q·Kᵀ: dQ = dS·K, dK = dSᵀ·Q.
            gemm_serial(Mat::rows(dp, seq, seq), x.head(x.k, b, h), dq, hidden, false, Epilogue::default());
            gemm_serial(Mat::rows(dp, seq, seq).t(), x.head(x.q, b, h), dk, hidden, false, Epilogue::default());
        });
    });
}

multiversion! {
    /// `out = a ⊙ b`.
    fn multiply(a: &[f32], b: &[f32], out: &mut [f32]) {
        for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
            *o = x * y;
        }
    }
}

multiversion! {
    /// Each row `s` of `scores` becomes softmax(scale·s + mask), the maximum subtracted first.
    fn softmax_rows(scores: &mut [f32], width: usize, scale: f32, mask: &[f32]) {
        for row in scores.chunks_exact_mut(width) {
            for (s, &m) in row.iter_mut().zip(mask) {
                *s = *s * scale + m;
            }
            let max = reduce::max(row);
            for s in row.iter_mut() {
                *s = math::exp(*s - max);
            }
            let inv = 1.0 / reduce::sum(row);
            for s in row.iter_mut() {
                *s *= inv;
            }
        }
    }
}

multiversion! {
    /// In place, `dp` becomes `scale · P ⊙ (dP − Σⱼ P·dP)` row by row: the gradient of the
    /// unscaled scores.
    fn softmax_backward_rows(p: &[f32], dp: &mut [f32], width: usize, scale: f32) {
        for (p, dp) in p.chunks_exact(width).zip(dp.chunks_exact_mut(width)) {
            let inner = reduce::dot(p, dp);
            for (d, &q) in dp.iter_mut().zip(p) {
                *d = scale * q * (*d - inner);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: usize, seed: f32) -> Vec<f32> {
        (0..n).map(|i| ((i as f32 + seed) * 0.917).sin()).collect()
    }

    struct Case {
        batch: usize,
        seq: usize,
        heads: usize,
        dim: usize,
        q: Vec<f32>,
        k: Vec<f32>,
        v: Vec<f32>,
        mask: Vec<f32>,
    }

    impl Case {
        fn new(batch: usize, seq: usize, heads: usize, dim: usize) -> Self {
            let n = batch * seq * heads * dim;
            // The last key of sequence 1 is padding.
            let mask = (0..batch * seq).map(|i| if batch > 1 && i == 2 * seq - 1 { f32::MIN } else { 0.0 }).collect();
            Self { batch, seq, heads, dim, q: values(n, 0.0), k: values(n, 1.0), v: values(n, 2.0), mask }
        }

        fn heads(&self) -> Heads<'_> {
            Heads {
                q: &self.q,
                k: &self.k,
                v: &self.v,
                batch: self.batch,
                seq: self.seq,
                heads: self.heads,
                head_dim: self.dim,
                row_stride: self.heads * self.dim,
            }
        }

        /// softmax(QKᵀ·scale + mask)·V in float64 for one (sequence, head, query).
        fn reference(&self, b: usize, h: usize, i: usize, scale: f64) -> (Vec<f64>, Vec<f64>) {
            let hidden = self.heads * self.dim;
            let at = |x: &[f32], t: usize, c: usize| x[(b * self.seq + t) * hidden + h * self.dim + c] as f64;
            let scores: Vec<f64> = (0..self.seq)
                .map(|j| {
                    let dot: f64 = (0..self.dim).map(|c| at(&self.q, i, c) * at(&self.k, j, c)).sum();
                    dot * scale + self.mask[b * self.seq + j] as f64
                })
                .collect();
            let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let exps: Vec<f64> = scores.iter().map(|s| (s - max).exp()).collect();
            let total: f64 = exps.iter().sum();
            let p: Vec<f64> = exps.iter().map(|e| e / total).collect();
            let c = (0..self.dim).map(|c| (0..self.seq).map(|j| p[j] * at(&self.v, j, c)).sum()).collect();
            (p, c)
        }
    }

    #[test]
    fn forward_matches_float64_and_padding_gets_exactly_zero() {
        let case = Case::new(3, 11, 4, 8);
        let scale = 1.0 / (8f32).sqrt();
        let hidden = 32;
        let mut context = vec![0.0; 3 * 11 * hidden];
        let mut probs = vec![0.0; 3 * 4 * 11 * 11];
        let opts = Options { scale, mask: &case.mask, dropout: None };
        forward(case.heads(), opts, &mut context, Some(&mut probs));
        for b in 0..3 {
            for h in 0..4 {
                for i in 0..11 {
                    let (p, c) = case.reference(b, h, i, scale as f64);
                    let row = &probs[((b * 4 + h) * 11 + i) * 11..][..11];
                    for (got, want) in row.iter().zip(&p) {
                        assert!((*got as f64 - want).abs() < 1e-6);
                    }
                    for (d, want) in c.iter().enumerate() {
                        let got = context[(b * 11 + i) * hidden + h * 8 + d] as f64;
                        assert!((got - want).abs() < 1e-5, "context {b} {h} {i} {d}: {got} vs {want}");
                    }
                    if b == 1 {
                        assert_eq!(row[10], 0.0, "padding key");
                    }
                }
            }
        }
    }

    #[test]
    fn backward_matches_finite_differences_with_dropout() {
        let case = Case::new(2, 5, 2, 4);
        let (seq, hidden) = (5, 8);
        let scale = 0.5;
        let dropout: Vec<f32> = (0..2 * 2 * seq * seq).map(|i| if i % 7 == 3 { 0.0 } else { 1.0 / 0.9 }).collect();
        let opts = Options { scale, mask: &case.mask, dropout: Some(&dropout) };
        let d_context = values(2 * seq * hidden, 5.0);
        let run = |case: &Case| {
            let mut context = vec![0.0; 2 * seq * hidden];
            let mut probs = vec![0.0; 2 * 2 * seq * seq];
            forward(case.heads(), opts, &mut context, Some(&mut probs));
            (context, probs)
        };
        let (_, probs) = run(&case);
        let [mut dq, mut dk, mut dv] = [0; 3].map(|_| vec![0.0; 2 * seq * hidden]);
        backward(case.heads(), opts, &probs, &d_context, &mut dq, &mut dk, &mut dv);
        let loss =
            |case: &Case| -> f64 { run(case).0.iter().zip(&d_context).map(|(a, b)| *a as f64 * *b as f64).sum() };
        let h = 1e-2;
        for (which, grad) in [(0, &dq), (1, &dk), (2, &dv)] {
            for i in [0, 3, 17, 41, 79] {
                let nudge = |delta: f32| {
                    let mut c = Case::new(2, 5, 2, 4);
                    [&mut c.q, &mut c.k, &mut c.v][which][i] += delta;
                    loss(&c)
                };
                let slope = (nudge(h) - nudge(-h)) / (2.0 * h as f64);
                assert!(
                    (grad[i] as f64 - slope).abs() < 2e-3 * (1.0 + slope.abs()),
                    "input {which}[{i}]: {} vs {slope}",
                    grad[i]
                );
            }
        }
    }
}
