// A runtime batch against a static size-1 axis gives the runtime batch (it used to give
// `Dim<1>`, and panicked for every batch but 1); in-place ops keep the left shape.
use shaped::{Dim, Tensor};

fn main() {
    let x = Tensor::<(usize, Dim<10>)>::ones((6, Dim));
    let row = Tensor::<(Dim<1>, Dim<10>)>::ones(Default::default());
    let y: Tensor<(usize, Dim<10>)> = &x + &row;
    assert_eq!(y.shape_dims(), [6, 10]);
    let z: Tensor<(usize, Dim<10>)> = &row * &x;
    assert_eq!(z.shape_dims(), [6, 10]);

    let mut fixed = Tensor::<(Dim<6>, Dim<10>)>::zeros(Default::default());
    fixed += &x; // a runtime batch into a static one, checked when it runs
    let mut runtime = x.clone();
    runtime -= &row; // a size-1 axis stretches into a runtime one
    assert_eq!(runtime.as_slice(), &[0.0; 60]);
}
