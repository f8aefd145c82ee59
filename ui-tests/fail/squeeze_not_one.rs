// Only a static size-1 axis can be squeezed away; axis 0 has size 2.
use shaped::{Dim, Tensor};

fn main() {
    let x = Tensor::<(Dim<2>, Dim<1>)>::zeros(Default::default());
    let _y = x.squeeze::<0>();
}
