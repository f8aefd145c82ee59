// Size-1 stretching: (32, 2) is not (32, 1), so it cannot stretch to (32, 10).
use shaped::{Dim, Tensor};

fn main() {
    let x = Tensor::<(Dim<32>, Dim<2>)>::zeros(Default::default());
    let y = Tensor::<(Dim<32>, Dim<10>)>::zeros(Default::default());
    let _z = x + y;
}
