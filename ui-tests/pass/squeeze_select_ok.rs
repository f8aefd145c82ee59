// Squeezing and masking in generic code, with the named rules (`Squeeze`, `MaskFits`) or the
// relations they stand for (`HasAxis` + `SizeOne`, `SameShape`); a mask with a runtime batch
// chooses between tensors with a static one (checked when the program runs).
use shaped::shapes::rules::{HasAxis, MaskFits, SameShape, Squeeze};
use shaped::{Dim, Dimension, One, Shape, SizeOne, Tensor};

fn drop_last<B: Dimension, const N: usize>(x: Tensor<(B, Dim<N>, One)>) -> Tensor<(B, Dim<N>)> {
    x.squeeze::<2>()
}

fn drop_axis_by_relations<S, const I: usize>(x: Tensor<S>) -> Tensor<S::Removed>
where
    S: HasAxis<I>,
    S::Dim: SizeOne,
{
    x.squeeze::<I>()
}

fn drop_axis_by_rule<S: Squeeze<I>, const I: usize>(x: Tensor<S>) -> Tensor<S::Output> {
    x.squeeze::<I>()
}

fn keep_by_relation<S: Shape, M: SameShape<S>>(x: &Tensor<S>, mask: &Tensor<M, u8>, y: &Tensor<S>) -> Tensor<S> {
    x.select(mask, y)
}

fn keep_by_rule<S: Shape, M: MaskFits<S, Output = S>>(x: &Tensor<S>, mask: &Tensor<M, u8>, y: &Tensor<S>) -> Tensor<S> {
    x.select(mask, y)
}

fn main() {
    let x = Tensor::<(usize, Dim<3>, One)>::ones((2, Dim, One));
    assert_eq!(drop_last(x.clone()).shape_dims(), [2, 3]);
    assert_eq!(drop_axis_by_relations::<_, 2>(x.clone()).shape_dims(), [2, 3]);
    let y: Tensor<(usize, Dim<3>)> = drop_axis_by_rule::<_, 2>(x);
    assert_eq!(y.shape_dims(), [2, 3]);

    let a = Tensor::<(Dim<2>, Dim<2>)>::from([[1.0, 2.0], [3.0, 4.0]]);
    let b = Tensor::<(Dim<2>, Dim<2>)>::zeros(Default::default());
    let mask = Tensor::<(usize, Dim<2>), u8>::from_vec((2, Dim), vec![1, 0, 0, 1]);
    assert_eq!(keep_by_relation(&a, &mask, &b).as_slice(), &[1.0, 0.0, 0.0, 4.0]);
    assert_eq!(keep_by_rule(&a, &mask, &b).as_slice(), &[1.0, 0.0, 0.0, 4.0]);
    assert_eq!(a.select(&mask, &b).as_slice(), &[1.0, 0.0, 0.0, 4.0]);
}
