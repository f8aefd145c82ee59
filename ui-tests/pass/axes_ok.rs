// Inserting and removing size-1 axes where the rules allow it.
use shaped::{Dim, One, Tensor};

fn main() {
    let x = Tensor::<(Dim<2>, Dim<3>)>::zeros(Default::default());
    let y: Tensor<(Dim<2>, Dim<3>, One)> = x.unsqueeze::<2>();
    let z: Tensor<(Dim<2>, Dim<3>)> = y.squeeze::<2>();
    assert_eq!(z.shape_dims(), [2, 3]);
}
