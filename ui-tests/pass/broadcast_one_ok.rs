// `One` stretches to every size, static (past 1024 too) or runtime, on either side.
use shaped::{Dim, One, Tensor};

fn main() {
    let x = Tensor::<(Dim<8>, Dim<2000>)>::ones(Default::default());
    let d = Tensor::<(Dim<8>, One)>::full(Default::default(), 2.0);
    let y: Tensor<(Dim<8>, Dim<2000>)> = &x / &d;
    assert_eq!(y[[7, 1999]], 0.5);
    let col = Tensor::<(Dim<65537>, One)>::ones(Default::default());
    let row = Tensor::<(One, Dim<3>)>::from([[1.0, 2.0, 3.0]]);
    let outer: Tensor<(Dim<65537>, Dim<3>)> = &col * &row;
    assert_eq!(outer[[65536, 2]], 3.0);
    let scalar_like = Tensor::<(One, One)>::full(Default::default(), 3.0);
    let z: Tensor<(Dim<8>, Dim<2000>)> = &scalar_like * &x;
    assert_eq!(z[[0, 0]], 3.0);
}
