// np.where with a mask of another shape.
use shaped::{Dim, Tensor};

fn main() {
    let a = Tensor::<(Dim<3>,)>::ones(Default::default());
    let mask = Tensor::<(Dim<4>,), u8>::zeros(Default::default());
    let _s = a.select(&mask, &a);
}
