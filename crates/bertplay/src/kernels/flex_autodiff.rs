//! The backward passes of the CPU kernels, so that training runs them too: each operation
//! records what its backward pass needs (the inputs, LayerNorm's `x̂` and `1/σ`, attention's
//! probabilities) and, when gradients flow back, calls the kernels' backward halves in `flex.rs`.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, AutodiffBackend, Flex};

use super::cpu::activation::Activation;
use super::extension::BertKernels;
use super::flex::{self, AttentionArgs, NormSaved};

type Ad<C> = Autodiff<Flex, C>;
/// A tensor on the autodiff-wrapped CPU backend.
type Tracked<C> = FloatTensor<Ad<C>>;

/// Hands each parent that wants a gradient its gradient.
macro_rules! register {
    ($grads:expr, $parents:expr, $values:expr) => {
        for (parent, value) in $parents.into_iter().zip($values) {
            if let Some(node) = parent {
                $grads.register::<Flex>(node.id, value);
            }
        }
    };
}

#[derive(Debug)]
struct Dense;

#[derive(Debug, Clone)]
struct DenseState {
    x: FlexTensor,
    weight: FlexTensor,
    pre_activation: Option<FlexTensor>,
    act: Activation,
}

impl Backward<Flex, 3> for Dense {
    type State = DenseState;

    fn backward(self, ops: Ops<DenseState, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let grad = grads.consume::<Flex>(&ops.node);
        let s = ops.state;
        let (dx, dw, db) = flex::dense_backward(&s.x, &s.weight, s.pre_activation.as_ref(), s.act, grad);
        register!(grads, ops.parents, [dx, dw, db]);
    }
}

#[derive(Debug)]
struct AddLayerNorm;

#[derive(Debug, Clone)]
struct NormState {
    saved: NormSaved,
    gamma: FlexTensor,
}

impl Backward<Flex, 4> for AddLayerNorm {
    type State = NormState;

    fn backward(self, ops: Ops<NormState, 4>, grads: &mut Gradients, _: &mut Checkpointer) {
        let grad = grads.consume::<Flex>(&ops.node);
        let (dx, d_gamma, d_beta) = flex::layer_norm_backward(&ops.state.saved, &ops.state.gamma, grad);
        // x and the residual are summed first, so both receive the sum's gradient.
        register!(grads, ops.parents, [dx.clone(), dx, d_gamma, d_beta]);
    }
}

#[derive(Debug)]
struct LayerNorm;

impl Backward<Flex, 3> for LayerNorm {
    type State = NormState;

    fn backward(self, ops: Ops<NormState, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let grad = grads.consume::<Flex>(&ops.node);
        let (dx, d_gamma, d_beta) = flex::layer_norm_backward(&ops.state.saved, &ops.state.gamma, grad);
        register!(grads, ops.parents, [dx, d_gamma, d_beta]);
    }
}

#[derive(Debug)]
struct Attention;

#[derive(Debug, Clone)]
struct AttentionState {
    args: AttentionArgs,
    probs: FlexTensor,
}

impl Backward<Flex, 3> for Attention {
    type State = AttentionState;

    fn backward(self, ops: Ops<AttentionState, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let grad = grads.consume::<Flex>(&ops.node);
        let grads_qkv = flex::attention_backward(&ops.state.args, &ops.state.probs, grad);
        register!(grads, ops.parents, grads_qkv);
    }
}

/// Attention with its backward pass (the mask and dropout multipliers are constants), and the
/// probabilities when asked, as a constant: they are shown, not differentiated through.
fn attention<C: CheckpointStrategy>(
    query: Tracked<C>,
    key: Tracked<C>,
    value: Tracked<C>,
    mask_bias: Tracked<C>,
    dropout: Option<Tracked<C>>,
    heads: usize,
    keep_probs: bool,
) -> (Tracked<C>, Option<Tracked<C>>) {
    let (q, q_node) = query.into_parts();
    let (k, k_node) = key.into_parts();
    let (v, v_node) = value.into_parts();
    let args = AttentionArgs::new(q, k, v, mask_bias.into_primitive(), dropout.map(|d| d.into_primitive()), heads);
    match Attention.prepare::<C>([q_node, k_node, v_node]).compute_bound().stateful() {
        OpsKind::Tracked(prep) => {
            let (context, probs) = flex::attention(&args, true);
            let probs = probs.expect("kept");
            let shown = keep_probs.then(|| Ad::<C>::from_inner(probs.clone()));
            (prep.finish(AttentionState { args, probs }, context), shown)
        }
        OpsKind::UnTracked(prep) => {
            let (context, probs) = flex::attention(&args, keep_probs);
            (prep.finish(context), probs.map(Ad::<C>::from_inner))
        }
    }
}

impl<C: CheckpointStrategy> BertKernels for Ad<C> {
    fn dense(x: Tracked<C>, weight: Tracked<C>, bias: Tracked<C>, act: Activation) -> Tracked<C> {
        let (x, x_node) = x.into_parts();
        let (weight, w_node) = weight.into_parts();
        let (bias, b_node) = bias.into_parts();
        match Dense.prepare::<C>([x_node, w_node, b_node]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let x = flex::dense_values(x);
                let out = flex::dense(x.clone(), weight.clone(), bias, act, true);
                prep.finish(DenseState { x, weight, pre_activation: out.pre_activation, act }, out.out)
            }
            OpsKind::UnTracked(prep) => prep.finish(flex::dense(x, weight, bias, act, false).out),
        }
    }

    fn layer_norm(x: Tracked<C>, gamma: Tracked<C>, beta: Tracked<C>, epsilon: f64) -> Tracked<C> {
        let (x, x_node) = x.into_parts();
        let (gamma, g_node) = gamma.into_parts();
        let (beta, b_node) = beta.into_parts();
        match LayerNorm.prepare::<C>([x_node, g_node, b_node]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let (out, saved) = flex::add_layer_norm(x, None, gamma.clone(), beta, epsilon, true);
                prep.finish(NormState { saved: saved.expect("kept"), gamma }, out)
            }
            OpsKind::UnTracked(prep) => prep.finish(flex::add_layer_norm(x, None, gamma, beta, epsilon, false).0),
        }
    }

    fn add_layer_norm(
        x: Tracked<C>,
        residual: Tracked<C>,
        gamma: Tracked<C>,
        beta: Tracked<C>,
        epsilon: f64,
    ) -> Tracked<C> {
        let (x, x_node) = x.into_parts();
        let (residual, r_node) = residual.into_parts();
        let (gamma, g_node) = gamma.into_parts();
        let (beta, b_node) = beta.into_parts();
        match AddLayerNorm.prepare::<C>([x_node, r_node, g_node, b_node]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let (out, saved) = flex::add_layer_norm(x, Some(residual), gamma.clone(), beta, epsilon, true);
                prep.finish(NormState { saved: saved.expect("kept"), gamma }, out)
            }
            OpsKind::UnTracked(prep) => {
                prep.finish(flex::add_layer_norm(x, Some(residual), gamma, beta, epsilon, false).0)
            }
        }
    }

    fn attention(
        query: Tracked<C>,
        key: Tracked<C>,
        value: Tracked<C>,
        mask_bias: Tracked<C>,
        heads: usize,
    ) -> Tracked<C> {
        attention::<C>(query, key, value, mask_bias, None, heads, false).0
    }

    fn attention_with_probs(
        query: Tracked<C>,
        key: Tracked<C>,
        value: Tracked<C>,
        mask_bias: Tracked<C>,
        heads: usize,
    ) -> (Tracked<C>, Tracked<C>) {
        let (context, probs) = attention::<C>(query, key, value, mask_bias, None, heads, true);
        (context, probs.expect("kept"))
    }

    fn attention_with_dropout(
        query: Tracked<C>,
        key: Tracked<C>,
        value: Tracked<C>,
        mask_bias: Tracked<C>,
        dropout: Tracked<C>,
        heads: usize,
    ) -> Tracked<C> {
        attention::<C>(query, key, value, mask_bias, Some(dropout), heads, false).0
    }
}
