//! Choosing where the model runs, by the names users type: `flex` (CPU), `vulkan`, `cuda`.

use burn::tensor::Device;

use crate::error::{BertError, Result};

/// The backends this build was compiled with.
pub fn available() -> Vec<&'static str> {
    let mut names = Vec::new();
    if cfg!(feature = "flex") {
        names.push("flex");
    }
    if cfg!(feature = "vulkan") {
        names.push("vulkan");
    }
    if cfg!(feature = "cuda") {
        names.push("cuda");
    }
    names
}

/// A device by name. Vulkan and CUDA pick the first adapter; creating one that the machine
/// lacks fails later, at first use, inside Burn.
pub fn by_name(name: &str) -> Result<Device> {
    match name {
        #[cfg(feature = "flex")]
        "flex" | "cpu" => Ok(Device::flex()),
        #[cfg(feature = "vulkan")]
        "vulkan" => Ok(Device::wgpu(burn::tensor::DeviceKind::DefaultDevice)),
        #[cfg(feature = "cuda")]
        "cuda" => Ok(Device::cuda(0)),
        other => Err(BertError::Device(
            format!("backend \"{other}\" is not available in this build (available: {})", available().join(", "))
                .into(),
        )),
    }
}
