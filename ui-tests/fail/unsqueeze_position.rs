// A rank-2 tensor accepts a new axis at positions 0, 1 or 2, not 3.
use shaped::{Dim, Tensor};

fn main() {
    let x = Tensor::<(Dim<2>, Dim<3>)>::zeros(Default::default());
    let _y = x.unsqueeze::<3>();
}
