// Losses with static and runtime batches, sparse labels of several integer types.
use shaped::nn::loss::{CategoricalCrossentropy, Loss, MeanSquaredError, SparseCategoricalCrossentropy};
use shaped::{Dim, Tensor};

fn main() {
    let p = Tensor::<(Dim<2>, Dim<3>)>::full(Default::default(), 1.0 / 3.0);
    let labels = Tensor::<(Dim<2>,), u8>::from([0, 2]);
    let wide = Tensor::<(Dim<2>,), i64>::from([1, 2]);
    let sparse = SparseCategoricalCrossentropy::default();
    assert!((sparse.try_loss(&p, &labels).unwrap() - 3f32.ln()).abs() < 1e-5);
    assert!((sparse.try_loss(&p, &wide).unwrap() - 3f32.ln()).abs() < 1e-5);
    let runtime = Tensor::<(usize, Dim<3>)>::full((2, Dim), 1.0 / 3.0);
    let onehot = Tensor::<(usize, Dim<3>)>::from_fn((2, Dim), |[i, j]| (i == j) as u8 as f32);
    let cce = CategoricalCrossentropy::default();
    assert!((cce.try_loss(&runtime, &onehot).unwrap() - 3f32.ln()).abs() < 1e-5);
    assert_eq!(MeanSquaredError.try_loss(&p, &p).unwrap(), 0.0);
    let fixed_targets = Tensor::<(Dim<2>, Dim<3>)>::zeros(Default::default());
    assert!(MeanSquaredError.try_loss(&runtime, &fixed_targets).unwrap() > 0.0);
}
