// Training from generic code: `fit`, `train_step`, `evaluate` and `predict` over any model
// that takes (batch, 4) and gives (batch, 3), with the one bound a user would write.
use shaped::nn::loss::SparseCategoricalCrossentropy;
use shaped::nn::{Dense, Relu, Softmax, Train};
use shaped::optim::RmsProp;
use shaped::train::{Accuracy, FitConfig, Model};
use shaped::{Dim, Tensor};

type X = Tensor<(usize, Dim<4>)>;

fn train<N>(net: N, x: &X, y: &Tensor<(usize,), u8>) -> f64
where
    N: Train<X, Output = Tensor<(usize, Dim<3>)>>,
{
    let loss = SparseCategoricalCrossentropy::default();
    let mut model = Model::compile(net, RmsProp::new(0.01), loss, Accuracy::default());
    let config = FitConfig { epochs: 2, batch_size: 4, verbose: false, ..FitConfig::default() };
    let history = model.fit(x, y, &config).unwrap();
    assert!(model.train_step(x, y).unwrap().is_finite());
    let (loss, _) = model.evaluate(x, y, 4).unwrap();
    assert_eq!(model.predict(x).shape_dims(), [8, 3]);
    assert_eq!(history.epochs.len(), 2);
    loss
}

fn main() {
    let x = X::random_uniform((8, Dim), 0.0, 1.0, 0);
    let y = Tensor::<(usize,), u8>::from_fn((8,), |[i]| (i % 3) as u8);
    let small = (Dense::<4, 8, Relu>::new(0), Dense::<8, 3, Softmax>::new(1));
    assert!(train(small, &x, &y).is_finite());
    let deeper = (Dense::<4, 16, Relu>::new(0), Dense::<16, 8, Relu>::new(1), Dense::<8, 3, Softmax>::new(2));
    assert!(train(deeper, &x, &y).is_finite());
}
