// A runtime axis may hold any size: only a static size-1 axis can be squeezed.
use shaped::{Dim, Tensor};

fn main() {
    let x = Tensor::<(usize, Dim<4>)>::zeros((1, Dim));
    let _y = x.squeeze::<0>();
}
