// Element-wise operands must have broadcast-compatible shapes.
use shaped::{Dim, Tensor};

fn main() {
    let a = Tensor::<(Dim<2>, Dim<3>)>::zeros(Default::default());
    let b = Tensor::<(Dim<3>, Dim<2>)>::zeros(Default::default());
    let _c = &a + &b;
}
