// Generic code over dims needs no bound beyond `Dimension`: element-wise ops, broadcasting
// a bias over a generic batch, in-place ops and products, for static and runtime batches.
use shaped::{Dim, Dimension, Tensor};

fn residual<B: Dimension, const N: usize>(x: &Tensor<(B, Dim<N>)>, f: &Tensor<(B, Dim<N>)>) -> Tensor<(B, Dim<N>)> {
    let y = f + x;
    &y * x
}

fn shift<B: Dimension, const N: usize>(x: &Tensor<(B, Dim<N>)>, bias: &Tensor<(Dim<N>,)>) -> Tensor<(B, Dim<N>)> {
    let mut y = x + bias;
    y -= bias;
    y += x;
    y
}

fn project<B: Dimension, const I: usize, const O: usize>(
    x: &Tensor<(B, Dim<I>)>,
    w: &Tensor<(Dim<I>, Dim<O>)>,
) -> Tensor<(B, Dim<O>)> {
    x.matmul(w)
}

fn main() {
    let x = Tensor::<(Dim<2>, Dim<3>)>::ones(Default::default());
    assert_eq!(residual(&x, &x).as_slice(), &[2.0; 6]);
    let r = Tensor::<(usize, Dim<3>)>::ones((4, Dim));
    assert_eq!(residual(&r, &r).shape_dims(), [4, 3]);
    let bias = Tensor::<(Dim<3>,)>::ones(Default::default());
    assert_eq!(shift(&r, &bias).as_slice(), &[2.0; 12]);
    let w = Tensor::<(Dim<3>, Dim<5>)>::ones(Default::default());
    assert_eq!(project(&r, &w).as_slice(), &[3.0; 20]);
    assert_eq!(project(&x, &w).shape_dims(), [2, 5]);
}
