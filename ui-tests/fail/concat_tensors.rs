use shaped::{Dim, Tensor};

fn main() {
    let a = Tensor::<(Dim<2>, Dim<2>)>::zeros(Default::default());
    let b = Tensor::<(Dim<2>, Dim<1>)>::zeros(Default::default());
    let _c = a.concat::<1, 4, _>(&b);
}
