//! The learning-rate schedule BERT trains with: a linear warm-up from zero to the peak rate, then
//! a linear decay back to zero at the last step. Warm-up keeps the first updates, made while
//! Adam's moment estimates are still noisy, from wrecking pretrained weights.

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LinearSchedule {
    pub peak_lr: f64,
    pub warmup_steps: usize,
    pub total_steps: usize,
}

impl LinearSchedule {
    /// Warm-up as a fraction of the run (the course uses 10%).
    pub fn with_warmup_ratio(peak_lr: f64, total_steps: usize, ratio: f64) -> Self {
        let warmup_steps = (total_steps as f64 * ratio).round() as usize;
        Self { peak_lr, warmup_steps, total_steps }
    }

    /// The rate for update number `step` (0-based). Warm-up counts from 1 so the first update
    /// already moves the weights.
    pub fn lr(&self, step: usize) -> f64 {
        if step < self.warmup_steps {
            return self.peak_lr * (step + 1) as f64 / self.warmup_steps as f64;
        }
        let decay_steps = self.total_steps.saturating_sub(self.warmup_steps).max(1);
        let left = self.total_steps.saturating_sub(step) as f64;
        self.peak_lr * (left / decay_steps as f64).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rises_then_falls_to_zero() {
        let s = LinearSchedule { peak_lr: 1e-3, warmup_steps: 10, total_steps: 110 };
        assert!((s.lr(0) - 1e-4).abs() < 1e-12);
        assert!((s.lr(9) - 1e-3).abs() < 1e-12);
        assert!((s.lr(10) - 1e-3).abs() < 1e-12);
        assert!((s.lr(60) - 5e-4).abs() < 1e-12);
        assert_eq!(s.lr(110), 0.0);
        let rates: Vec<f64> = (10..110).map(|i| s.lr(i)).collect();
        assert!(rates.windows(2).all(|w| w[1] < w[0]));
    }

    #[test]
    fn no_warmup_starts_at_the_peak() {
        let s = LinearSchedule::with_warmup_ratio(2e-5, 100, 0.0);
        assert_eq!(s.lr(0), 2e-5);
        assert_eq!(LinearSchedule::with_warmup_ratio(2e-5, 100, 0.1).warmup_steps, 10);
    }
}
