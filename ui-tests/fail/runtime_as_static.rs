// A runtime batch dim is not a static one: convert explicitly with try_fix_batch.
use shaped::{Dim, Tensor};

fn predict(batch: &Tensor<(Dim<128>, Dim<784>)>) -> f32 {
    batch.sum()
}

fn main() {
    let x = Tensor::<(usize, Dim<784>)>::zeros((128, Dim));
    let _p = predict(&x);
}
