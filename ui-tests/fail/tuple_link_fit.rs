// A wrong link in a plain tuple model, found where the book's program trains and evaluates
// it: the tuple does not name its input, so each call that needs the link reports it, once.
use shaped::nn::loss::SparseCategoricalCrossentropy;
use shaped::nn::{Dense, Relu, Softmax};
use shaped::optim::RmsProp;
use shaped::train::{Accuracy, FitConfig, Model};
use shaped::{Dim, Tensor};

fn main() {
    let net = (Dense::<784, 512, Relu>::new(0), Dense::<256, 10, Softmax>::new(1));
    let loss = SparseCategoricalCrossentropy::default();
    let mut model = Model::compile(net, RmsProp::default(), loss, Accuracy::default());
    let x = Tensor::<(usize, Dim<784>)>::zeros((32, Dim));
    let y = Tensor::<(usize,), u8>::zeros((32,));
    let _h = model.fit(&x, &y, &FitConfig::default());
    let _e = model.evaluate(&x, &y, 32);
}
