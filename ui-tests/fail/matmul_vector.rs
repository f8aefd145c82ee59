// A (3, 4) matrix times a vector of 5.
use shaped::{Dim, Tensor};

fn main() {
    let m = Tensor::<(Dim<3>, Dim<4>)>::ones(Default::default());
    let v = Tensor::<(Dim<5>,)>::ones(Default::default());
    let _y = m.matmul(&v);
}
