// A runtime batch against a static `One` keeps the runtime batch, for every batch size.
use shaped::{Dim, One, Tensor};

fn main() {
    for n in [1, 7, 3000] {
        let x = Tensor::<(usize, Dim<10>)>::ones((n, Dim));
        let row = Tensor::<(One, Dim<10>)>::ones(Default::default());
        let y: Tensor<(usize, Dim<10>)> = &x - &row;
        assert_eq!(y.shape_dims(), [n, 10]);
        let column = Tensor::<(usize, One)>::ones((n, One));
        let z: Tensor<(usize, Dim<10>)> = &x * &column;
        assert_eq!(z.shape_dims(), [n, 10]);
        let mut w = x.clone();
        w += &row;
        assert_eq!(w[[n - 1, 9]], 2.0);
    }
}
