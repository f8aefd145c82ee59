// `Dim<1>` is a plain size (a batch of one): only `One` stretches.
use shaped::{Dim, Tensor};

fn main() {
    let column = Tensor::<(Dim<32>, Dim<1>)>::ones(Default::default());
    let wide = Tensor::<(Dim<32>, Dim<10>)>::ones(Default::default());
    let _z = &column + &wide;
}
