// Generic code stretches a keepdims reduction back over its axis: static dims need no
// bound, a generic batch dim broadcast against `One` needs `NotOne`.
use shaped::{Dim, Dimension, NotOne, One, Tensor};

fn centre_columns<const M: usize, const N: usize>(x: &Tensor<(Dim<M>, Dim<N>)>) -> Tensor<(Dim<M>, Dim<N>)> {
    x - &x.mean_axis::<0>().unsqueeze::<0>()
}

fn centre_rows<B: Dimension, const N: usize>(x: &Tensor<(B, Dim<N>)>) -> Tensor<(B, Dim<N>)> {
    x - &x.mean_axis::<1>().unsqueeze::<1>()
}

fn centre_batch<B: NotOne, const N: usize>(x: &Tensor<(B, Dim<N>)>) -> Tensor<(B, Dim<N>)> {
    let mean: Tensor<(One, Dim<N>)> = x.mean_axis::<0>().unsqueeze::<0>();
    let mut y = x - &mean;
    y -= &mean;
    y += &mean;
    y
}

fn softmax<B: Dimension, const N: usize>(z: &Tensor<(B, Dim<N>)>) -> Tensor<(B, Dim<N>)> {
    let e = (z - &z.max_axis::<1>().unsqueeze::<1>()).exp();
    &e / &e.sum_axis::<1>().unsqueeze::<1>()
}

fn main() {
    let x = Tensor::<(Dim<2>, Dim<2000>)>::ones(Default::default());
    assert_eq!(centre_columns(&x).as_slice(), &[0.0; 4000][..]);
    assert_eq!(centre_rows(&x).as_slice(), &[0.0; 4000][..]);
    let r = Tensor::<(usize, Dim<3>)>::ones((5, Dim));
    assert_eq!(centre_batch(&r).as_slice(), &[0.0; 15]);
    assert_eq!(centre_batch(&x).shape_dims(), [2, 2000]);
    assert!((softmax(&r)[[4, 2]] - 1.0 / 3.0).abs() < 1e-6);
}
