// A model used from generic code over the batch dim: forward, predict and a loss.
use shaped::nn::loss::{Loss, SparseCategoricalCrossentropy};
use shaped::nn::{Dense, Layer, Relu, Softmax};
use shaped::{Dim, Dimension, Tensor};

type Net = (Dense<4, 8, Relu>, Dense<8, 3, Softmax>);

fn scores<B: Dimension>(net: &Net, x: &Tensor<(B, Dim<4>)>) -> Tensor<(B, Dim<3>)> {
    net.forward(x)
}

fn score_loss<B: Dimension>(net: &Net, x: &Tensor<(B, Dim<4>)>, y: &Tensor<(B,), u8>) -> f32 {
    SparseCategoricalCrossentropy::default().try_loss(&scores(net, x), y).unwrap()
}

fn main() {
    let net: Net = (Dense::new(0), Dense::new(1));
    let x = Tensor::<(usize, Dim<4>)>::ones((5, Dim));
    assert_eq!(scores(&net, &x).shape_dims(), [5, 3]);
    let fixed = Tensor::<(Dim<2>, Dim<4>)>::ones(Default::default());
    assert_eq!(scores(&net, &fixed).shape_dims(), [2, 3]);
    let y = Tensor::<(usize,), u8>::zeros((5,));
    assert!(score_loss(&net, &x, &y).is_finite());
}
