// Mean squared error of 32 predictions against 16 targets.
use shaped::nn::loss::{Loss, MeanSquaredError};
use shaped::{Dim, Tensor};

fn main() {
    let p = Tensor::<(Dim<32>, Dim<1>)>::zeros(Default::default());
    let t = Tensor::<(Dim<16>, Dim<1>)>::zeros(Default::default());
    let _l = MeanSquaredError.try_loss(&p, &t);
}
