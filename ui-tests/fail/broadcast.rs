// np.maximum of (64, 3, 32, 10) with (32, 9): the last axes disagree.
use shaped::{Dim, Tensor};

fn main() {
    let x = Tensor::<(Dim<64>, Dim<3>, Dim<32>, Dim<10>)>::zeros(Default::default());
    let y = Tensor::<(Dim<32>, Dim<9>)>::zeros(Default::default());
    let _z = x.maximum(&y);
}
