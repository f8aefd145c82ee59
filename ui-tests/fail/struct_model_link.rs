use shaped::nn::{Dense, Model, Params, Relu, Softmax};
use shaped::{Dim, Tensor};

#[derive(Clone, Params, Model)]
#[model(input = Tensor<(usize, Dim<784>)>)]
struct Mlp {
    hidden: Dense<784, 256, Relu>,
    out: Dense<265, 10, Softmax>,
}

fn main() {}
