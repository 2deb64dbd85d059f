//! The encoder stack: the same layer, `num_hidden_layers` times, each reading the last's output.

use burn::module::Module;
use burn::tensor::{Device, Tensor};

use crate::attention::LayerOutputs;
use crate::config::BertConfig;
use crate::encoder_layer::{EncoderLayer, LayerInternals};
use crate::hf_names::{join, HfVisitor};

#[derive(Module, Debug)]
pub struct Encoder {
    pub layers: Vec<EncoderLayer>,
}

/// Which outputs the encoder returns besides the last hidden state, as transformers'
/// `output_attentions` and `output_hidden_states` choose. Keeping nothing costs nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outputs {
    /// Every layer's attention probabilities.
    pub attentions: bool,
    /// The embedding output and every layer's output.
    pub hidden_states: bool,
    /// Every intermediate result of this layer (0-based): Q, K, V, scores, context, the
    /// residual blocks' steps.
    pub internals_layer: Option<usize>,
}

impl Outputs {
    /// Every attention and hidden state (what the page's views draw).
    pub fn everything() -> Self {
        Self { attentions: true, hidden_states: true, internals_layer: None }
    }
}

pub struct EncoderOutput {
    pub last_hidden_state: Tensor<3>,
    /// `[embeddings, layer 1, …, layer L]`, each `[batch, seq, hidden]`, when asked for.
    pub hidden_states: Vec<Tensor<3>>,
    /// One `[batch, heads, query, key]` per layer, when asked for.
    pub attentions: Vec<Tensor<4>>,
    pub internals: Option<LayerInternals>,
}

impl Encoder {
    pub fn init(config: &BertConfig, device: &Device) -> Self {
        Self { layers: (0..config.num_hidden_layers).map(|_| EncoderLayer::init(config, device)).collect() }
    }

    pub fn forward(&self, embedded: Tensor<3>, mask_bias: Tensor<4>, outputs: Outputs) -> EncoderOutput {
        let mut out = EncoderOutput {
            last_hidden_state: embedded,
            hidden_states: Vec::new(),
            attentions: Vec::new(),
            internals: None,
        };
        for (i, layer) in self.layers.iter().enumerate() {
            if outputs.hidden_states {
                out.hidden_states.push(out.last_hidden_state.clone());
            }
            let keep = LayerOutputs { probs: outputs.attentions, internals: outputs.internals_layer == Some(i) };
            let step = layer.forward(out.last_hidden_state, mask_bias.clone(), keep);
            out.last_hidden_state = step.hidden;
            out.attentions.extend(step.probs);
            if keep.internals {
                out.internals = step.internals;
            }
        }
        if outputs.hidden_states {
            out.hidden_states.push(out.last_hidden_state.clone());
        }
        out
    }

    pub fn visit_hf(&mut self, prefix: &str, v: &mut impl HfVisitor) {
        for (i, layer) in self.layers.iter_mut().enumerate() {
            layer.visit_hf(&join(prefix, &format!("layer.{i}")), v);
        }
    }
}
