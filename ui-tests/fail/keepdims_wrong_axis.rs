// The column means re-inserted on the wrong axis: (3, One) against (2, 3).
use shaped::{Dim, Tensor};

fn main() {
    let x = Tensor::<(Dim<2>, Dim<3>)>::ones(Default::default());
    let _c = &x - &x.mean_axis::<0>().unsqueeze::<1>();
}
