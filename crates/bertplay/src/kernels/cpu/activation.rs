//! The feed-forward activation (`hidden_act`) over slices, and its derivative for training.

use super::math;
use super::simd::multiversion;

/// The activations BERT checkpoints name; `Identity` for a dense layer without one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Activation {
    #[default]
    Identity,
    Gelu,
    GeluTanh,
    Relu,
    Silu,
}

impl Activation {
    /// Applies the activation in place. Inlined into a caller compiled with vector features.
    #[inline(always)]
    pub fn apply_inline(self, values: &mut [f32]) {
        match self {
            Activation::Identity => {}
            Activation::Gelu => map_inline(values, math::gelu),
            Activation::GeluTanh => map_inline(values, math::gelu_tanh),
            Activation::Relu => map_inline(values, |v| v.max(0.0)),
            Activation::Silu => map_inline(values, math::silu),
        }
    }
}

/// `v = f(v)` over a slice, 32 at a time: four vectors' worth of independent work per step, so
/// the long chain of a polynomial in one vector overlaps with the next three. Plain `for` loops,
/// because a closure handed to an iterator adapter may end up in a function of its own,
/// compiled without the caller's vector features.
#[inline(always)]
fn map_inline(values: &mut [f32], f: impl Fn(f32) -> f32) {
    let mut chunks = values.chunks_exact_mut(32);
    for chunk in &mut chunks {
        for v in chunk {
            *v = f(*v);
        }
    }
    for v in chunks.into_remainder() {
        *v = f(*v);
    }
}

multiversion! {
    /// `grad[i] *= act'(pre[i])`: the gradient through the activation, given its input.
    pub fn backward(act: Activation, pre: &[f32], grad: &mut [f32]) {
        let pairs = grad.iter_mut().zip(pre);
        match act {
            Activation::Identity => {}
            Activation::Gelu => {
                for (g, &x) in pairs {
                    *g *= math::gelu_grad(x);
                }
            }
            Activation::GeluTanh => {
                for (g, &x) in pairs {
                    *g *= math::gelu_tanh_grad(x);
                }
            }
            Activation::Relu => {
                for (g, &x) in pairs {
                    *g = if x > 0.0 { *g } else { 0.0 };
                }
            }
            Activation::Silu => {
                for (g, &x) in pairs {
                    *g *= math::silu_grad(x);
                }
            }
        }
    }
}

multiversion! {
    /// Applies the activation in place.
    pub fn forward(act: Activation, values: &mut [f32]) {
        act.apply_inline(values);
    }
}
