// np.dot of vectors of 3 and 4 elements.
use shaped::ops::dot;
use shaped::{Dim, Tensor};

fn main() {
    let a = Tensor::<(Dim<3>,)>::ones(Default::default());
    let b = Tensor::<(Dim<4>,)>::ones(Default::default());
    let _d = dot(&a, &b);
}
