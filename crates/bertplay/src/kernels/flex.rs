//! The CPU backend's side of [`BertKernels`]: flex tensors in and out, the slices in between
//! handed to the kernels in `cpu/`. Also the backward passes, which `flex_autodiff.rs` calls.

use burn::backend::flex::{FlexTensor, Layout};
use burn::backend::Flex;
use burn::tensor::{Shape, TensorData};

use super::cpu::activation::{self, Activation};
use super::cpu::attention::{self as attn, Heads, Options};
use super::cpu::gemm::{gemm, Epilogue, Mat};
use super::cpu::layer_norm;
use super::extension::BertKernels;

/// A tensor whose values are one dense row-major block (copied if they were not).
pub(super) fn dense_values(t: FlexTensor) -> FlexTensor {
    if t.as_slice::<f32>().is_some() {
        t
    } else {
        t.to_contiguous()
    }
}

/// The values of a tensor made dense with [`dense_values`].
pub(super) fn values(t: &FlexTensor) -> &[f32] {
    t.as_slice::<f32>().expect("dense f32 tensor")
}

/// A tensor from freshly computed values.
pub(super) fn tensor(values: Vec<f32>, shape: Shape) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape))
}

/// A 2-D tensor as a matrix view, honouring its strides (a transposed weight costs no copy).
fn matrix(t: &FlexTensor) -> Option<Mat<'_>> {
    let layout: &Layout = t.layout();
    let (dims, strides) = (layout.shape().as_slice(), layout.strides());
    if dims.len() != 2 || strides.iter().any(|&s| s < 0) {
        return None;
    }
    let data = &t.storage::<f32>()[layout.start_offset()..];
    Some(Mat { data, rows: dims[0], cols: dims[1], row_stride: strides[0] as usize, col_stride: strides[1] as usize })
}

/// `[..., width]` as `(rows, width)`.
fn rows_and_width(shape: &Shape) -> (usize, usize) {
    let dims = shape.as_slice();
    let width = *dims.last().expect("at least one dimension");
    (dims.iter().product::<usize>() / width.max(1), width)
}

/// The pre-activation `z = x·W + b` when it is needed for a backward pass, and `act(z)`.
pub(super) struct DenseOutput {
    pub out: FlexTensor,
    pub pre_activation: Option<FlexTensor>,
}

/// `act(x·W + b)`; keeps `z` when `keep_pre_activation` and there is an activation.
pub(super) fn dense(
    x: FlexTensor,
    weight: FlexTensor,
    bias: FlexTensor,
    act: Activation,
    keep_pre_activation: bool,
) -> DenseOutput {
    let x = dense_values(x);
    let weight = if matrix(&weight).is_some() { weight } else { weight.to_contiguous() };
    let bias = dense_values(bias);
    let (rows, d_in) = rows_and_width(x.layout().shape());
    let w = matrix(&weight).expect("2-D weight");
    assert_eq!(w.rows, d_in, "dense: the input has {d_in} features, the weight expects {}", w.rows);
    let d_out = w.cols;
    let mut shape = x.layout().shape().clone();
    let last = shape.num_dims() - 1;
    shape[last] = d_out;
    let mut out = vec![0f32; rows * d_out];
    let keep = keep_pre_activation && act != Activation::Identity;
    let fused = if keep { Activation::Identity } else { act };
    let epilogue = Epilogue { bias: Some(values(&bias)), act: fused };
    gemm(Mat::rows(values(&x), rows, d_in), w, &mut out, d_out, false, epilogue);
    if !keep {
        return DenseOutput { out: tensor(out, shape), pre_activation: None };
    }
    let mut activated = out.clone();
    activation::forward(act, &mut activated);
    DenseOutput { out: tensor(activated, shape.clone()), pre_activation: Some(tensor(out, shape)) }
}

/// Gradients of `act(x·W + b)` with respect to `x`, `W` and `b`, from the output's gradient.
pub(super) fn dense_backward(
    x: &FlexTensor,
    weight: &FlexTensor,
    pre_activation: Option<&FlexTensor>,
    act: Activation,
    grad: FlexTensor,
) -> (FlexTensor, FlexTensor, FlexTensor) {
    let (rows, d_out) = rows_and_width(grad.layout().shape());
    let mut dz = dense_values(grad).as_slice::<f32>().expect("dense").to_vec();
    if let Some(z) = pre_activation {
        activation::backward(act, values(z), &mut dz);
    }
    let w = matrix(weight).expect("2-D weight");
    let d_in = w.rows;
    let dz_mat = Mat::rows(&dz, rows, d_out);
    // dX = dZ·Wᵀ, dW = Xᵀ·dZ, db = Σ_rows dZ.
    let mut dx = vec![0f32; rows * d_in];
    gemm(dz_mat, w.t(), &mut dx, d_in, false, Epilogue::default());
    let mut dw = vec![0f32; d_in * d_out];
    gemm(Mat::rows(values(x), rows, d_in).t(), dz_mat, &mut dw, d_out, false, Epilogue::default());
    let mut db = vec![0f32; d_out];
    for row in dz.chunks_exact(d_out) {
        db.iter_mut().zip(row).for_each(|(d, g)| *d += g);
    }
    (tensor(dx, x.layout().shape().clone()), tensor(dw, Shape::from([d_in, d_out])), tensor(db, Shape::from([d_out])))
}

/// What LayerNorm's backward pass needs: `x̂` per element and `1/σ` per row.
#[derive(Debug, Clone)]
pub(super) struct NormSaved {
    pub normed: FlexTensor,
    pub rstd: FlexTensor,
}

/// `LN(x + residual)`, keeping what the backward pass needs when asked.
pub(super) fn add_layer_norm(
    x: FlexTensor,
    residual: Option<FlexTensor>,
    gamma: FlexTensor,
    beta: FlexTensor,
    epsilon: f64,
    keep: bool,
) -> (FlexTensor, Option<NormSaved>) {
    let x = dense_values(x);
    let residual = residual.map(dense_values);
    let (gamma, beta) = (dense_values(gamma), dense_values(beta));
    let shape = x.layout().shape().clone();
    let (rows, width) = rows_and_width(&shape);
    let mut out = vec![0f32; rows * width];
    let (gamma, beta) = (values(&gamma), values(&beta));
    let eps = epsilon as f32;
    let residual = residual.as_ref().map(values);
    if !keep {
        layer_norm::forward(values(&x), residual, gamma, beta, eps, &mut out, None);
        return (tensor(out, shape), None);
    }
    let (mut normed, mut rstd) = (vec![0f32; rows * width], vec![0f32; rows]);
    layer_norm::forward(values(&x), residual, gamma, beta, eps, &mut out, Some((&mut normed, &mut rstd)));
    let saved = NormSaved { normed: tensor(normed, shape.clone()), rstd: tensor(rstd, Shape::from([rows])) };
    (tensor(out, shape), Some(saved))
}

/// Gradients of `LN(x + residual)`: of the sum (= of `x` = of `residual`), of γ and of β.
pub(super) fn layer_norm_backward(
    saved: &NormSaved,
    gamma: &FlexTensor,
    grad: FlexTensor,
) -> (FlexTensor, FlexTensor, FlexTensor) {
    let grad = dense_values(grad);
    let shape = grad.layout().shape().clone();
    let gamma = dense_values(gamma.clone());
    let width = gamma.layout().shape().num_elements();
    let mut dx = vec![0f32; shape.num_elements()];
    let (d_gamma, d_beta) =
        layer_norm::backward(values(&grad), values(&saved.normed), values(&saved.rstd), values(&gamma), &mut dx);
    (tensor(dx, shape), tensor(d_gamma, Shape::from([width])), tensor(d_beta, Shape::from([width])))
}

/// Q, K, V, mask and dropout made dense, and the sizes, for one attention call.
#[derive(Debug, Clone)]
pub(super) struct AttentionArgs {
    pub query: FlexTensor,
    pub key: FlexTensor,
    pub value: FlexTensor,
    pub mask_bias: FlexTensor,
    pub dropout: Option<FlexTensor>,
    pub heads: usize,
}

impl AttentionArgs {
    pub fn new(
        query: FlexTensor,
        key: FlexTensor,
        value: FlexTensor,
        mask_bias: FlexTensor,
        dropout: Option<FlexTensor>,
        heads: usize,
    ) -> Self {
        Self {
            query: dense_values(query),
            key: dense_values(key),
            value: dense_values(value),
            mask_bias: dense_values(mask_bias),
            dropout: dropout.map(dense_values),
            heads,
        }
    }

    fn dims(&self) -> [usize; 3] {
        let dims = self.query.layout().shape().as_slice();
        [dims[0], dims[1], dims[2]]
    }

    fn heads_view(&self) -> Heads<'_> {
        let [batch, seq, hidden] = self.dims();
        assert_eq!(hidden % self.heads, 0, "attention: {hidden} features do not split into {} heads", self.heads);
        Heads {
            q: values(&self.query),
            k: values(&self.key),
            v: values(&self.value),
            batch,
            seq,
            heads: self.heads,
            head_dim: hidden / self.heads,
            row_stride: hidden,
        }
    }

    fn options(&self) -> Options<'_> {
        let head_dim = self.dims()[2] / self.heads;
        Options {
            scale: 1.0 / (head_dim as f32).sqrt(),
            mask: values(&self.mask_bias),
            dropout: self.dropout.as_ref().map(values),
        }
    }
}

/// The context `[batch, seq, hidden]` and, when kept, the probabilities `[batch, heads, seq, seq]`.
pub(super) fn attention(args: &AttentionArgs, keep_probs: bool) -> (FlexTensor, Option<FlexTensor>) {
    let [batch, seq, hidden] = args.dims();
    let mut context = vec![0f32; batch * seq * hidden];
    let mut probs = keep_probs.then(|| vec![0f32; batch * args.heads * seq * seq]);
    attn::forward(args.heads_view(), args.options(), &mut context, probs.as_deref_mut());
    let probs = probs.map(|p| tensor(p, Shape::from([batch, args.heads, seq, seq])));
    (tensor(context, Shape::from([batch, seq, hidden])), probs)
}

/// Gradients of Q, K and V from the context's gradient and the probabilities.
pub(super) fn attention_backward(args: &AttentionArgs, probs: &FlexTensor, grad: FlexTensor) -> [FlexTensor; 3] {
    let [batch, seq, hidden] = args.dims();
    let grad = dense_values(grad);
    let [mut dq, mut dk, mut dv] = [0; 3].map(|_| vec![0f32; batch * seq * hidden]);
    attn::backward(args.heads_view(), args.options(), values(probs), values(&grad), &mut dq, &mut dk, &mut dv);
    [dq, dk, dv].map(|g| tensor(g, Shape::from([batch, seq, hidden])))
}

impl BertKernels for Flex {
    fn dense(x: FlexTensor, weight: FlexTensor, bias: FlexTensor, act: Activation) -> FlexTensor {
        dense(x, weight, bias, act, false).out
    }

    fn layer_norm(x: FlexTensor, gamma: FlexTensor, beta: FlexTensor, epsilon: f64) -> FlexTensor {
        add_layer_norm(x, None, gamma, beta, epsilon, false).0
    }

    fn add_layer_norm(
        x: FlexTensor,
        residual: FlexTensor,
        gamma: FlexTensor,
        beta: FlexTensor,
        epsilon: f64,
    ) -> FlexTensor {
        add_layer_norm(x, Some(residual), gamma, beta, epsilon, false).0
    }

    fn attention(
        query: FlexTensor,
        key: FlexTensor,
        value: FlexTensor,
        mask_bias: FlexTensor,
        heads: usize,
    ) -> FlexTensor {
        attention(&AttentionArgs::new(query, key, value, mask_bias, None, heads), false).0
    }

    fn attention_with_probs(
        query: FlexTensor,
        key: FlexTensor,
        value: FlexTensor,
        mask_bias: FlexTensor,
        heads: usize,
    ) -> (FlexTensor, FlexTensor) {
        let (context, probs) = attention(&AttentionArgs::new(query, key, value, mask_bias, None, heads), true);
        (context, probs.expect("kept"))
    }

    fn attention_with_dropout(
        query: FlexTensor,
        key: FlexTensor,
        value: FlexTensor,
        mask_bias: FlexTensor,
        dropout: FlexTensor,
        heads: usize,
    ) -> FlexTensor {
        attention(&AttentionArgs::new(query, key, value, mask_bias, Some(dropout), heads), false).0
    }
}
