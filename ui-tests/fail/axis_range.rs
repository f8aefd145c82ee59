// A rank-2 tensor has axes 0 and 1 only.
use shaped::{Dim, Tensor};

fn main() {
    let x = Tensor::<(Dim<2>, Dim<3>)>::zeros(Default::default());
    let _s = x.sum_axis::<2>();
}
