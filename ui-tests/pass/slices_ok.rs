// Slices that end exactly at the end of their axis, and joins whose sizes add up.
use shaped::{Dim, Tensor};

fn main() {
    let x = Tensor::<(Dim<100>, Dim<4>)>::from_fn(Default::default(), |[i, j]| (i * 4 + j) as f32);
    let tail = x.narrow::<0, 90, 10>();
    assert_eq!(tail[[9, 3]], 399.0);
    let last_column = x.narrow::<1, 3, 1>();
    assert_eq!(last_column.shape_dims(), [100, 1]);
    let whole = x.narrow::<0, 0, 100>();
    assert_eq!(whole.as_slice(), x.as_slice());
    let w = x.window::<10>(90);
    assert_eq!(w[[0, 0]], 360.0);
    let joined = tail.concat::<0, 110, _>(&x);
    assert_eq!(joined.shape_dims(), [110, 4]);
    let r = x.rows(98..100);
    assert_eq!(r.shape_dims(), [2, 4]);
}
