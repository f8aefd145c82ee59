// `reshape` checks element counts when the program is built: every dim must be static.
use shaped::{Dim, Tensor};

fn main() {
    let x = Tensor::<(usize, Dim<4>)>::zeros((2, Dim));
    let _y = x.reshape::<(Dim<8>,)>();
}
