// Permute's axes must be a permutation: axis 0 twice is not one.
use shaped::{Dim, Tensor};

fn main() {
    let x = Tensor::<(Dim<2>, Dim<3>, Dim<4>)>::zeros(Default::default());
    let _y = x.permute::<0, 0, 1>();
}
