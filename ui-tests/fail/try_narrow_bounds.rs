// The try_ form checks static bounds when the program is built too, at the caller's line.
use shaped::{Dim, Tensor};

fn main() {
    let x = Tensor::<(Dim<10>, Dim<4>)>::zeros(Default::default());
    let _s = x.try_narrow::<1, 2, 3>();
}
