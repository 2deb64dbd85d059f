//! Picking vector instructions at run time. A release binary is built for the x86-64 baseline
//! (SSE2) so that it runs everywhere; a kernel defined with [`multiversion!`] is compiled a second
//! time with AVX2 + FMA and takes that copy on CPUs that have them. In the browser, wasm SIMD128
//! is on for the whole build (`.cargo/config.toml`), so there is one copy.

/// Whether this CPU runs AVX2 and FMA (std checks once and caches the answer).
#[cfg(target_arch = "x86_64")]
#[inline]
pub fn has_avx2_fma() -> bool {
    std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
}

/// `multiversion! { pub fn name(args) -> R { body } }` defines `name` with `body` compiled twice
/// on x86-64 (baseline and AVX2 + FMA) and called through the best copy. The body is plain Rust
/// written so that loops vectorise (no calls into `libm`, selects instead of branches).
macro_rules! multiversion {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn body($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2,fma")]
                unsafe fn avx2($($arg: $ty),*) $(-> $ret)? {
                    body($($arg),*)
                }
                if $crate::kernels::cpu::simd::has_avx2_fma() {
                    // SAFETY: the CPU was just found to have the features `avx2` is built with.
                    return unsafe { avx2($($arg),*) };
                }
            }
            body($($arg),*)
        }
    };
}
pub(crate) use multiversion;
