//! The book's chapter 8 convnet, shared by `examples/convnet.rs` and
//! `examples/convnet_speed.rs`.

use shaped::nn::{Conv2D, Dense, Flatten, MaxPooling2D, Relu, Softmax};

/// Every output size is named and checked when the program is built: a wrong one (say 27
/// instead of 26) is a compile error stating the formula's result.
pub type Convnet = (
    Conv2D<28, 28, 1, 26, 26, 32, 3, Relu>,
    MaxPooling2D<26, 26, 32, 13, 13, 2>,
    Conv2D<13, 13, 32, 11, 11, 64, 3, Relu>,
    MaxPooling2D<11, 11, 64, 5, 5, 2>,
    Conv2D<5, 5, 64, 3, 3, 128, 3, Relu>,
    Flatten<1152>,
    Dense<1152, 10, Softmax>,
);

/// The model with Keras's initialization, seeded.
pub fn convnet(seed: u64) -> Convnet {
    (
        Conv2D::new(seed),
        MaxPooling2D::new(),
        Conv2D::new(seed.wrapping_add(1)),
        MaxPooling2D::new(),
        Conv2D::new(seed.wrapping_add(2)),
        Flatten,
        Dense::new(seed.wrapping_add(3)),
    )
}
