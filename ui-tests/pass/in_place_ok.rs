// In-place ops keep the left shape: equal shapes, trailing rows, `One` axes, runtime dims.
use shaped::{Dim, One, Tensor};

fn main() {
    let mut a = Tensor::<(Dim<3>, Dim<1500>)>::zeros(Default::default());
    a += &Tensor::<(Dim<1500>,)>::ones(Default::default());
    a *= &Tensor::<(Dim<3>, One)>::full(Default::default(), 2.0);
    a -= &Tensor::<(One, Dim<1500>)>::ones(Default::default());
    assert_eq!(a[[2, 1499]], 1.0);
    let mut b = Tensor::<(usize, Dim<4>)>::zeros((5, Dim));
    b += &Tensor::<(usize, One)>::ones((5, One));
    b /= &Tensor::<(Dim<5>, Dim<4>)>::full(Default::default(), 2.0);
    assert_eq!(b.as_slice(), &[0.5; 20]);
}
