// Flatten::<785> inside a #[model] struct: `cargo check` reports it at the field.
use shaped::nn::{Dense, Flatten, Layer, Model, Params, Softmax};
use shaped::{Dim, Tensor};

#[derive(Clone, Params, Model)]
#[model(input = Tensor<(usize, Dim<28>, Dim<28>)>)]
struct Net {
    flat: Flatten<785>,
    out: Dense<785, 10, Softmax>,
}

fn main() {
    let net = Net { flat: Flatten, out: Dense::new(0) };
    let x = Tensor::<(usize, Dim<28>, Dim<28>)>::zeros((2, Dim, Dim));
    let _p = net.forward(&x);
}
