//! The CPU kernels themselves, on plain slices (no tensors): matrix multiplication, the
//! activations, residual + LayerNorm and attention, each with its backward pass. Natively they
//! pick AVX2 + FMA at run time and use every core; in the browser they use SIMD128 on one thread.

pub mod activation;
pub mod attention;
pub mod gemm;
pub mod layer_norm;
pub mod math;
pub mod reduce;
pub(crate) mod simd;
pub mod threads;
