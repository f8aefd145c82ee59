// Flatten::<785> in a model on 28x28 images (784 values): the error ends at the model's call.
use shaped::nn::{Dense, Flatten, Layer, Softmax};
use shaped::{Dim, Tensor};

fn main() {
    let model = (Flatten::<785>, Dense::<785, 10, Softmax>::new(0));
    let x = Tensor::<(usize, Dim<28>, Dim<28>)>::zeros((2, Dim, Dim));
    let _p = model.forward(&x);
}
