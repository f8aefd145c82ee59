// With `sequential!`, a wrong link is reported at the layer that breaks it.
use shaped::nn::{Dense, Relu, Softmax};
use shaped::{Dim, Tensor, sequential};

fn main() {
    let _model = sequential![Tensor<(usize, Dim<784>)> =>
        Dense::<784, 512, Relu>::new(0),
        Dense::<512, 256, Relu>::new(1),
        Dense::<265, 10, Softmax>::new(2),
    ];
}
