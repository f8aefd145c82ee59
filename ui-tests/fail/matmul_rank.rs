// No product rule takes two rank-3 tensors.
use shaped::{Dim, Tensor};

fn main() {
    let a = Tensor::<(Dim<2>, Dim<3>, Dim<4>)>::zeros(Default::default());
    let b = Tensor::<(Dim<2>, Dim<4>, Dim<5>)>::zeros(Default::default());
    let _c = a.matmul(&b);
}
