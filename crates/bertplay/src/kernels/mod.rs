//! The engine's own kernels for BERT's hot path: dense layers (matrix multiply with bias and
//! activation fused), residual + LayerNorm, and attention over all heads at once.
//!
//! The modules call the functions here; each runs the project's kernel when the tensors live on
//! the CPU backend (`flex`, f32), natively or in the browser, and otherwise the same arithmetic
//! written with Burn's tensor operations, which every backend runs (WebGPU, Vulkan, CUDA). The
//! kernels reach Burn through its backend-extension point ([`BertKernels`]); under autodiff
//! each has its own backward pass, so training takes the fast path too.

pub mod cpu;
#[cfg(feature = "flex")]
mod extension;
#[cfg(feature = "flex")]
mod flex;
#[cfg(feature = "flex")]
mod flex_autodiff;

use burn::nn::Linear;
use burn::tensor::{Device, Tensor};

use crate::activation::HiddenAct;

use std::sync::atomic::{AtomicBool, Ordering};

#[cfg(feature = "flex")]
pub use extension::BertKernels;

static CPU_KERNELS: AtomicBool = AtomicBool::new(true);

/// Turns the project's CPU kernels on (the default) or off for the whole process; off, the CPU
/// runs the same arithmetic as Burn's tensor operations. For comparisons: benchmarks, tests.
pub fn use_cpu_kernels(enabled: bool) {
    CPU_KERNELS.store(enabled, Ordering::Relaxed);
}

/// Whether the project's CPU kernels take these tensors: switched on, on the flex device, f32.
fn on_cpu_kernels(device: &Device, dtype: burn::tensor::DType) -> bool {
    #[cfg(feature = "flex")]
    {
        CPU_KERNELS.load(Ordering::Relaxed) && *device == Device::flex() && dtype == burn::tensor::DType::F32
    }
    #[cfg(not(feature = "flex"))]
    {
        let _ = (device, dtype);
        false
    }
}

/// `x·W + b` for a dense layer over the last dimension of `x`, then `act` if given.
pub fn dense<const D: usize>(x: Tensor<D>, layer: &Linear, act: Option<HiddenAct>) -> Tensor<D> {
    linear(x, layer.weight.val(), layer.bias.as_ref().map(|b| b.val()), act)
}

/// `x·weight + bias` (`weight`: `[in, out]`, any layout, e.g. a transposed embedding table),
/// then `act` if given.
pub fn linear<const D: usize>(
    x: Tensor<D>,
    weight: Tensor<2>,
    bias: Option<Tensor<1>>,
    act: Option<HiddenAct>,
) -> Tensor<D> {
    #[cfg(feature = "flex")]
    if let Some(bias) = &bias {
        if on_cpu_kernels(&x.device(), x.dtype()) && weight.dtype() == x.dtype() {
            let act = act.map_or(cpu::activation::Activation::Identity, Into::into);
            return extension::dense(x, weight, bias.clone(), act);
        }
    }
    let y = burn::tensor::module::linear(x, weight, bias);
    match act {
        Some(act) => act.forward(y),
        None => y,
    }
}

/// `LN(x + residual)`, BERT's post-norm residual connection, or `LN(x)` without a residual:
/// `γ·(y − μ)/σ + β` over the last dimension, with ε added to the variance.
pub fn add_layer_norm<const D: usize>(
    x: Tensor<D>,
    residual: Option<Tensor<D>>,
    gamma: Tensor<1>,
    beta: Tensor<1>,
    epsilon: f64,
) -> Tensor<D> {
    #[cfg(feature = "flex")]
    if on_cpu_kernels(&x.device(), x.dtype()) {
        return extension::add_layer_norm(x, residual, gamma, beta, epsilon);
    }
    let summed = match residual {
        Some(residual) => x + residual,
        None => x,
    };
    burn::tensor::module::layer_norm(summed, gamma, Some(beta), epsilon)
}

/// What the fused attention kernel is asked for.
pub struct AttentionInputs {
    /// `[batch, seq, hidden]` each, heads side by side in the last dimension.
    pub query: Tensor<3>,
    pub key: Tensor<3>,
    pub value: Tensor<3>,
    /// `[batch, seq]`: 0 for real tokens, a huge negative number for padding keys.
    pub mask_bias: Tensor<2>,
    pub heads: usize,
    /// Dropout multipliers for the probabilities, `[batch, heads, seq, seq]`, while training.
    pub dropout: Option<Tensor<4>>,
    /// Also return the probabilities (before dropout).
    pub keep_probs: bool,
}

/// Whether [`attention`] has a kernel for tensors like `x` (the CPU backend, f32).
pub fn has_attention_kernel(x: &Tensor<3>) -> bool {
    on_cpu_kernels(&x.device(), x.dtype())
}

/// Every head's `softmax(QKᵀ/√d + mask)·V`, heads concatenated (`[batch, seq, hidden]`), and
/// the probabilities if asked. Call it where [`has_attention_kernel`] says so; the caller
/// computes attention with tensor operations elsewhere.
pub fn attention(inputs: AttentionInputs) -> (Tensor<3>, Option<Tensor<4>>) {
    assert!(has_attention_kernel(&inputs.query), "no attention kernel for this device");
    #[cfg(feature = "flex")]
    return extension::attention(inputs);
    #[cfg(not(feature = "flex"))]
    unreachable!()
}

impl From<HiddenAct> for cpu::activation::Activation {
    fn from(act: HiddenAct) -> Self {
        match act {
            HiddenAct::Gelu => Self::Gelu,
            HiddenAct::GeluTanh => Self::GeluTanh,
            HiddenAct::Relu => Self::Relu,
            HiddenAct::Silu => Self::Silu,
        }
    }
}
