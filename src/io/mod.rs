//! Saving and loading: model weights and optimizer state in the safetensors format.

mod safetensors;

pub use self::safetensors::{
    IoError, LoadOptions, SafeElement, checkpoint_to_bytes, load_checkpoint, load_checkpoint_bytes,
    load_torch_dense, load_weights, load_weights_bytes, load_weights_bytes_with, load_weights_with,
    save_checkpoint, save_weights, weights_to_bytes,
};
