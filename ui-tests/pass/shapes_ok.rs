// The correct counterparts of every compile-fail case build and run.
use shaped::{Dim, One, Tensor};

fn predict(batch: &Tensor<(Dim<128>, Dim<784>)>) -> f32 {
    batch.sum()
}

fn main() {
    let a = Tensor::<(Dim<2>, Dim<3>)>::zeros(Default::default());
    let b = Tensor::<(Dim<2>, Dim<3>)>::ones(Default::default());
    let row = Tensor::<(Dim<3>,)>::ones(Default::default());
    assert_eq!((&a + &b).sum(), 6.0);
    assert_eq!((&a + &row).shape_dims(), [2, 3]);

    let x = Tensor::<(Dim<64>, Dim<3>, Dim<32>, Dim<10>)>::zeros(Default::default());
    let y = Tensor::<(Dim<32>, Dim<10>)>::ones(Default::default());
    assert_eq!(x.maximum(&y).shape_dims(), [64, 3, 32, 10]);

    let col = Tensor::<(Dim<32>, One)>::ones(Default::default());
    let wide = Tensor::<(Dim<32>, Dim<10>)>::ones(Default::default());
    let z: Tensor<(Dim<32>, Dim<10>)> = col + wide;
    assert_eq!(z.sum(), 640.0);

    let x = Tensor::<(usize, Dim<784>)>::zeros((32, Dim));
    let w = Tensor::<(Dim<784>, Dim<10>)>::zeros(Default::default());
    assert_eq!(x.matmul(&w).shape_dims(), [32, 10]);
    let batched = Tensor::<(Dim<2>, Dim<3>, Dim<4>)>::zeros(Default::default());
    let w = Tensor::<(Dim<4>, Dim<5>)>::zeros(Default::default());
    assert_eq!(batched.matmul(&w).shape_dims(), [2, 3, 5]);

    let r = a.reshape::<(Dim<6>, Dim<1>)>().reshape::<(Dim<3>, Dim<2>)>();
    assert_eq!(r.shape_dims(), [3, 2]);

    let images = Tensor::<(usize, Dim<28>, Dim<28>), u8>::zeros((10, Dim, Dim));
    assert_eq!(images.flatten_inner::<784>().shape_dims(), [10, 784]);

    let images = Tensor::<(Dim<100>, Dim<28>, Dim<28>), u8>::zeros(Default::default());
    let s: Tensor<(Dim<90>, Dim<28>, Dim<28>), u8> = images.narrow::<0, 10, 90>();
    assert_eq!(s.shape_dims(), [90, 28, 28]);

    assert_eq!(b.sum_axis::<1>().shape_dims(), [2]);

    let x = Tensor::<(usize, Dim<784>)>::zeros((128, Dim));
    let fixed = x.try_fix_batch::<128>().unwrap();
    assert_eq!(predict(&fixed), 0.0);

    assert_eq!(batched.permute::<2, 0, 1>().shape_dims(), [4, 2, 3]);
}
