// A generic batch dim broadcast against `One` could itself be `One`: it needs `B: NotOne`.
use shaped::{Dim, Dimension, One, Tensor};

fn centre<B: Dimension>(x: &Tensor<(B, Dim<3>)>, mean: &Tensor<(One, Dim<3>)>) -> Tensor<(B, Dim<3>)> {
    x - mean
}

fn main() {
    let x = Tensor::<(usize, Dim<3>)>::ones((4, Dim));
    let _c = centre(&x, &Tensor::ones(Default::default()));
}
