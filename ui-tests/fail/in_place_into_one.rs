// `row += matrix` would have to grow `row`: in place, the left shape cannot stretch.
use shaped::{Dim, One, Tensor};

fn main() {
    let mut row = Tensor::<(One, Dim<4>)>::zeros(Default::default());
    let matrix = Tensor::<(Dim<3>, Dim<4>)>::ones(Default::default());
    row += &matrix;
}
