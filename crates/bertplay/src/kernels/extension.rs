//! The kernels as a Burn backend extension: one trait whose operations Burn routes to the
//! backend a tensor lives on. The CPU backend (`flex`) runs the project's kernels
//! (`flex.rs`), and its autodiff wrapper adds their backward passes (`flex_autodiff.rs`).

use burn::backend::tensor::FloatTensor;
use burn::backend::{backend_extension, Backend, Dispatch};
use burn::tensor::Tensor;

use super::cpu::activation::Activation;
use super::AttentionInputs;

#[backend_extension(Flex, Autodiff)]
pub trait BertKernels: Backend {
    /// `act(x·W + b)`; `x` is `[..., in]`, `weight` `[in, out]`, `bias` `[out]`.
    fn dense(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        act: Activation,
    ) -> FloatTensor<Self>;

    /// `LN(x)` over the last dimension.
    fn layer_norm(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> FloatTensor<Self>;

    /// `LN(x + residual)` over the last dimension.
    fn add_layer_norm(
        x: FloatTensor<Self>,
        residual: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> FloatTensor<Self>;

    /// Multi-head attention context, `[batch, seq, hidden]`, from Q, K, V of that shape and an
    /// additive key mask `[batch, seq]`.
    fn attention(
        query: FloatTensor<Self>,
        key: FloatTensor<Self>,
        value: FloatTensor<Self>,
        mask_bias: FloatTensor<Self>,
        heads: usize,
    ) -> FloatTensor<Self>;

    /// As [`BertKernels::attention`], also returning the probabilities `[batch, heads, seq, seq]`.
    fn attention_with_probs(
        query: FloatTensor<Self>,
        key: FloatTensor<Self>,
        value: FloatTensor<Self>,
        mask_bias: FloatTensor<Self>,
        heads: usize,
    ) -> (FloatTensor<Self>, FloatTensor<Self>);

    /// As [`BertKernels::attention`] with dropout multipliers on the probabilities.
    fn attention_with_dropout(
        query: FloatTensor<Self>,
        key: FloatTensor<Self>,
        value: FloatTensor<Self>,
        mask_bias: FloatTensor<Self>,
        dropout: FloatTensor<Self>,
        heads: usize,
    ) -> FloatTensor<Self>;
}

pub fn dense<const D: usize>(x: Tensor<D>, weight: Tensor<2>, bias: Tensor<1>, act: Activation) -> Tensor<D> {
    let out = <Dispatch as BertKernels>::dense(x.into_dispatch(), weight.into_dispatch(), bias.into_dispatch(), act);
    Tensor::from_dispatch(out)
}

pub fn add_layer_norm<const D: usize>(
    x: Tensor<D>,
    residual: Option<Tensor<D>>,
    gamma: Tensor<1>,
    beta: Tensor<1>,
    epsilon: f64,
) -> Tensor<D> {
    let (x, gamma, beta) = (x.into_dispatch(), gamma.into_dispatch(), beta.into_dispatch());
    let out = match residual {
        Some(residual) => <Dispatch as BertKernels>::add_layer_norm(x, residual.into_dispatch(), gamma, beta, epsilon),
        None => <Dispatch as BertKernels>::layer_norm(x, gamma, beta, epsilon),
    };
    Tensor::from_dispatch(out)
}

pub fn attention(inputs: AttentionInputs) -> (Tensor<3>, Option<Tensor<4>>) {
    let AttentionInputs { query, key, value, mask_bias, heads, dropout, keep_probs } = inputs;
    let (q, k, v, mask) =
        (query.into_dispatch(), key.into_dispatch(), value.into_dispatch(), mask_bias.into_dispatch());
    match (dropout, keep_probs) {
        (Some(dropout), _) => {
            let context =
                <Dispatch as BertKernels>::attention_with_dropout(q, k, v, mask, dropout.into_dispatch(), heads);
            (Tensor::from_dispatch(context), None)
        }
        (None, true) => {
            let (context, probs) = <Dispatch as BertKernels>::attention_with_probs(q, k, v, mask, heads);
            (Tensor::from_dispatch(context), Some(Tensor::from_dispatch(probs)))
        }
        (None, false) => (Tensor::from_dispatch(<Dispatch as BertKernels>::attention(q, k, v, mask, heads)), None),
    }
}
