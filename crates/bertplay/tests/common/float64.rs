//! A float64 BERT written with plain loops, for tests that hold the engine's float32 numbers
//! against an independent computation: weights by their Hugging Face names.

use std::collections::HashMap;

use safetensors::SafeTensors;

pub type Mat = Vec<Vec<f64>>;

pub struct Weights(pub HashMap<String, (Vec<usize>, Vec<f64>)>);

impl Weights {
    /// Every float32 tensor of a `model.safetensors`, widened to f64.
    pub fn from_safetensors(bytes: &[u8]) -> Self {
        let file = SafeTensors::deserialize(bytes).unwrap();
        let read = |v: &safetensors::tensor::TensorView| {
            v.data().chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap()) as f64).collect()
        };
        Weights(file.tensors().into_iter().map(|(n, v)| (n, (v.shape().to_vec(), read(&v)))).collect())
    }

    pub fn vec(&self, name: &str) -> Vec<f64> {
        self.0[name].1.clone()
    }
    /// A PyTorch `[out, in]` matrix.
    pub fn mat(&self, name: &str) -> Mat {
        let (shape, v) = &self.0[name];
        v.chunks(shape[1]).map(<[f64]>::to_vec).collect()
    }
    pub fn linear(&self, name: &str, x: &Mat) -> Mat {
        let (w, b) = (self.mat(&format!("{name}.weight")), self.vec(&format!("{name}.bias")));
        x.iter()
            .map(|row| {
                w.iter().zip(&b).map(|(wr, bi)| bi + wr.iter().zip(row).map(|(a, c)| a * c).sum::<f64>()).collect()
            })
            .collect()
    }
    pub fn layer_norm(&self, name: &str, x: &Mat, eps: f64) -> Mat {
        let (g, b) = (self.vec(&format!("{name}.weight")), self.vec(&format!("{name}.bias")));
        x.iter()
            .map(|row| {
                let n = row.len() as f64;
                let mean = row.iter().sum::<f64>() / n;
                let var = row.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
                row.iter().enumerate().map(|(i, v)| (v - mean) / (var + eps).sqrt() * g[i] + b[i]).collect()
            })
            .collect()
    }
}

/// The float64 `erf` of the libm crate (GELU is `x·(1 + erf(x/√2))/2`).
pub fn erf(x: f64) -> f64 {
    libm::erf(x)
}

pub fn add(a: &Mat, b: &Mat) -> Mat {
    a.iter().zip(b).map(|(r, s)| r.iter().zip(s).map(|(x, y)| x + y).collect()).collect()
}
