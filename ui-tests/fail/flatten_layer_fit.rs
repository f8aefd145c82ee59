// The same mistake found through `fit`: the error ends at the `fit` call.
use shaped::nn::loss::SparseCategoricalCrossentropy;
use shaped::nn::{Dense, Flatten, Softmax};
use shaped::optim::RmsProp;
use shaped::train::{Accuracy, FitConfig, Model};
use shaped::{Dim, Tensor};

fn main() {
    let net = (Flatten::<785>, Dense::<785, 10, Softmax>::new(0));
    let loss = SparseCategoricalCrossentropy::default();
    let mut model = Model::compile(net, RmsProp::default(), loss, Accuracy::default());
    let x = Tensor::<(usize, Dim<28>, Dim<28>)>::zeros((2, Dim, Dim));
    let y = Tensor::<(usize,), u8>::zeros((2,));
    let _h = model.fit(&x, &y, &FitConfig::default());
}
