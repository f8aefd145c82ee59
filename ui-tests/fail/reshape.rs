// A reshape must keep the element count: 6 elements cannot become 8.
use shaped::{Dim, Tensor};

fn main() {
    let x = Tensor::<(Dim<2>, Dim<3>)>::zeros(Default::default());
    let _y = x.reshape::<(Dim<4>, Dim<2>)>();
}
