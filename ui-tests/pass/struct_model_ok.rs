use shaped::nn::{Concat, Dense, Dropout, Layer, Model, Params, Relu, Residual, Softmax, Sum};
use shaped::{Dim, Tensor};

#[derive(Clone, Params, Model)]
#[model(input = Tensor<(usize, Dim<784>)>)]
struct Mlp {
    hidden: Dense<784, 256, Relu>,
    block: Residual<(Dense<256, 256, Relu>, Dense<256, 256>)>,
    drop: Dropout,
    both: Sum<Dense<256, 64, Relu>, Dense<256, 64>>,
    wide: Concat<Dense<64, 10>, Dense<64, 6>, 16>,
    out: Dense<16, 10, Softmax>,
}

fn main() {
    let m = Mlp {
        hidden: Dense::new(0),
        block: Residual((Dense::new(1), Dense::new(2))),
        drop: Dropout::new(0.2, 3),
        both: Sum { a: Dense::new(4), b: Dense::new(5) },
        wide: Concat { a: Dense::new(6), b: Dense::new(7) },
        out: Dense::new(8),
    };
    let y = m.forward(&Tensor::zeros((2, Dim)));
    assert_eq!(y.shape_dims(), [2, 10]);
}
