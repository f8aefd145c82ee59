// One-hot targets of 9 classes against predictions over 10 classes.
use shaped::nn::loss::{CategoricalCrossentropy, Loss};
use shaped::{Dim, Tensor};

fn main() {
    let probs = Tensor::<(usize, Dim<10>)>::zeros((32, Dim));
    let targets = Tensor::<(usize, Dim<9>)>::zeros((32, Dim));
    let _l = CategoricalCrossentropy::default().try_loss(&probs, &targets);
}
