// Reshapes with equal element counts, large sizes included, and size-1 axes in and out.
use shaped::{Dim, One, Tensor};

fn main() {
    let x = Tensor::<(Dim<2048>, Dim<3>)>::zeros(Default::default());
    let y = x.reshape::<(Dim<3>, Dim<2048>)>();
    let f: Tensor<(Dim<6144>,)> = y.flatten();
    assert_eq!(f.shape_dims(), [6144]);
    let images = Tensor::<(usize, Dim<28>, Dim<28>)>::zeros((3, Dim, Dim));
    let flat = images.clone().flatten_inner::<784>();
    assert_eq!(flat.shape_dims(), [3, 784]);
    let u: Tensor<(usize, Dim<784>, One)> = flat.unsqueeze::<2>();
    assert_eq!(u.squeeze::<2>().shape_dims(), [3, 784]);
    let plain = Tensor::<(Dim<2>, Dim<1>)>::zeros(Default::default());
    assert_eq!(plain.squeeze::<1>().shape_dims(), [2]);
    let channels: Tensor<(usize, Dim<28>, Dim<28>, Dim<1>)> = images.unsqueeze::<3>().into_shape();
    assert_eq!(channels.shape_dims(), [3, 28, 28, 1]);
}
