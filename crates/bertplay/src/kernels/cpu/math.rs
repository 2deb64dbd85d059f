//! `exp`, `erf` and the feed-forward activations for one `f32`, written without branches or
//! library calls so that a loop over a slice becomes vector code (the `libm` versions that the
//! generic backend calls are scalar). Accuracy: `exp` within 2 ulp, `erf` within 3.5e-7
//! absolute (1.5e-7 from the formula, the rest float rounding).

/// e^x; exactly 0 below about -87.3 (so masked attention scores get exactly zero weight).
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const LOG2_E: f32 = std::f32::consts::LOG2_E;
    // ln 2 split in two so that n·ln2 is subtracted without rounding error (Cody & Waite).
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    // Adding and subtracting 1.5·2²³ rounds to the nearest integer in any rounding-free way.
    const ROUND: f32 = 12_582_912.0;
    let clamped = x.clamp(-87.3, 88.7);
    let shifted = clamped * LOG2_E + ROUND;
    let n = shifted - ROUND;
    let r = clamped - n * LN2_HI - n * LN2_LO;
    // e^r for |r| ≤ ln2/2: Taylor to degree 7 (remainder below 6e-9), by Estrin's scheme.
    let r2 = r * r;
    let r4 = r2 * r2;
    let p01 = 1.0 + r;
    let p23 = 0.5 + r * (1.0 / 6.0);
    let p45 = 1.0 / 24.0 + r * (1.0 / 120.0);
    let p67 = 1.0 / 720.0 + r * (1.0 / 5040.0);
    let p = (p01 + r2 * p23) + r4 * (p45 + r2 * p67);
    // 2ⁿ from n's bits: the low mantissa bits of `shifted` hold n (plus 2²² from ROUND), so no
    // float-to-integer conversion is needed (Rust's saturating `as` would not vectorise).
    let n_bits = shifted.to_bits().wrapping_sub(ROUND.to_bits());
    let scale = f32::from_bits(n_bits.wrapping_add(127) << 23);
    if x < -87.3 {
        0.0
    } else {
        p * scale
    }
}

/// The error function: its Taylor series up to |x| = 0.5 (where the formula below would lose
/// digits to cancellation), above that Abramowitz & Stegun 7.1.26, `1 − t·P(t)·e^{−x²}` with
/// `t = 1/(1 + p·|x|)` and a quintic `P`. Both are computed and one is picked, so a loop stays
/// vector code; polynomials by Estrin's scheme, whose independent halves the vector units overlap.
#[inline(always)]
pub fn erf(x: f32) -> f32 {
    const FRAC_2_SQRT_PI: f32 = std::f32::consts::FRAC_2_SQRT_PI;
    let a = x.abs();
    let z = a * a;
    // Σ (−1)ⁿ x²ⁿ / (n!(2n+1)), n ≤ 7: the remainder is below 1e-9 for |x| ≤ 0.5.
    let z2 = z * z;
    let z4 = z2 * z2;
    let s01 = 1.0 + z * (-1.0 / 3.0);
    let s23 = 1.0 / 10.0 + z * (-1.0 / 42.0);
    let s45 = 1.0 / 216.0 + z * (-1.0 / 1320.0);
    let s67 = 1.0 / 9360.0 + z * (-1.0 / 75600.0);
    let series = (s01 + z2 * s23) + z4 * (s45 + z2 * s67);
    let small = FRAC_2_SQRT_PI * a * series;
    let t = 1.0 / (1.0 + 0.327_591_1 * a);
    let t2 = t * t;
    let poly = (0.254_829_6 + t * -0.284_496_74) + t2 * ((1.421_413_7 + t * -1.453_152) + t2 * 1.061_405_4);
    let large = 1.0 - t * poly * exp(-z);
    let y = if a <= 0.5 { small } else { large };
    y.copysign(x)
}

const FRAC_1_SQRT_2: f32 = std::f32::consts::FRAC_1_SQRT_2;
/// 1/√(2π), the standard normal density at 0.
const FRAC_1_SQRT_2PI: f32 = 0.398_942_3;

/// BERT's GELU, x·Φ(x) with the exact normal CDF.
#[inline(always)]
pub fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * FRAC_1_SQRT_2))
}

/// d/dx of [`gelu`]: Φ(x) + x·φ(x).
#[inline(always)]
pub fn gelu_grad(x: f32) -> f32 {
    0.5 * (1.0 + erf(x * FRAC_1_SQRT_2)) + x * FRAC_1_SQRT_2PI * exp(-0.5 * x * x)
}

/// √(2/π), the tanh approximation's scale.
const SQRT_2_OVER_PI: f32 = 0.797_884_6;

/// tanh for the approximated GELU: 1 - 2/(e^{2y}+1), which saturates cleanly at ±1.
#[inline(always)]
fn tanh(y: f32) -> f32 {
    1.0 - 2.0 / (exp(2.0 * y) + 1.0)
}

/// GELU with tanh in place of erf (`gelu_new` in transformers).
#[inline(always)]
pub fn gelu_tanh(x: f32) -> f32 {
    0.5 * x * (1.0 + tanh(SQRT_2_OVER_PI * (x + 0.044_715 * x * x * x)))
}

/// d/dx of [`gelu_tanh`].
#[inline(always)]
pub fn gelu_tanh_grad(x: f32) -> f32 {
    let inner = SQRT_2_OVER_PI * (x + 0.044_715 * x * x * x);
    let t = tanh(inner);
    0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * SQRT_2_OVER_PI * (1.0 + 3.0 * 0.044_715 * x * x)
}

/// x·σ(x).
#[inline(always)]
pub fn silu(x: f32) -> f32 {
    x / (1.0 + exp(-x))
}

/// d/dx of [`silu`]: σ(x)·(1 + x·(1 − σ(x))).
#[inline(always)]
pub fn silu_grad(x: f32) -> f32 {
    let s = 1.0 / (1.0 + exp(-x));
    s * (1.0 + x * (1.0 - s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> impl Iterator<Item = f32> {
        (-20_000..=20_000).map(|i| i as f32 * 1e-3)
    }

    #[test]
    fn exp_is_within_two_ulp() {
        for x in (-8_700..=8_800).map(|i| i as f32 * 1e-2) {
            let (got, want) = (exp(x), (x as f64).exp());
            let ulp = (want as f32).abs() * f32::EPSILON;
            assert!(((got as f64) - want).abs() <= 2.0 * ulp as f64, "exp({x}) = {got}, want {want}");
        }
        assert_eq!(exp(-88.0), 0.0);
        assert_eq!(exp(f32::MIN), 0.0);
        assert_eq!(exp(0.0), 1.0);
    }

    #[test]
    fn erf_is_within_3_5e7() {
        for x in grid() {
            let want = libm::erf(x as f64);
            assert!((erf(x) as f64 - want).abs() < 3.5e-7, "erf({x}) = {}, want {want}", erf(x));
        }
        assert_eq!(erf(0.0), 0.0);
    }

    #[test]
    fn activations_and_their_gradients_match_float64() {
        let gelu64 = |x: f64| 0.5 * x * (1.0 + libm::erf(x / 2f64.sqrt()));
        let tanh64 =
            |x: f64| 0.5 * x * (1.0 + ((2.0 / std::f64::consts::PI).sqrt() * (x + 0.044715 * x.powi(3))).tanh());
        let silu64 = |x: f64| x / (1.0 + (-x).exp());
        let h = 1e-4;
        for x in grid().step_by(7) {
            let x64 = x as f64;
            let tol = 2e-7 * (1.0 + x64.abs());
            assert!((gelu(x) as f64 - gelu64(x64)).abs() < tol, "gelu({x})");
            assert!((gelu_tanh(x) as f64 - tanh64(x64)).abs() < tol, "gelu_tanh({x})");
            assert!((silu(x) as f64 - silu64(x64)).abs() < tol, "silu({x})");
            let slope = |f: &dyn Fn(f64) -> f64| (f(x64 + h) - f(x64 - h)) / (2.0 * h);
            assert!((gelu_grad(x) as f64 - slope(&gelu64)).abs() < 1e-5, "gelu'({x})");
            assert!((gelu_tanh_grad(x) as f64 - slope(&tanh64)).abs() < 1e-5, "gelu_tanh'({x})");
            assert!((silu_grad(x) as f64 - slope(&silu64)).abs() < 1e-5, "silu'({x})");
        }
    }
}
