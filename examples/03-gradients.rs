//! Chapter 2, cell 8: gradients. The book uses `tf.GradientTape`; shaped's layers have typed
//! backward passes, and `value_and_grad` returns the gradients of a loss typed like the model.
//!
//! ```text
//! cargo run --release --example 03-gradients
//! ```

use shaped::nn::loss::MeanSquaredError;
use shaped::nn::{Dense, Grad, Train, value_and_grad};
use shaped::{Dim, Tensor};

fn main() {
    // y = 2x + 3 at x = 0: an affine map is a linear Dense layer with W = [[2]], b = [3].
    let mut affine = Dense::<1, 1>::from_tensors(Tensor::from([[2.0]]), Tensor::from([3.0]));
    let x = Tensor::<(Dim<1>, Dim<1>)>::from([[0.0]]);
    let mut cache = Default::default();
    let y = affine.forward_train(&x, &mut cache);
    println!("y = 2x + 3 at x = 0: y = {}", y[[0, 0]]);
    // Backward from dy/dy = 1 gives dy/dx (and, in `param_grads`, dy/dW and dy/db).
    let ones = Tensor::ones(y.shape());
    let (mut param_grads, mut dy_dx) = (affine.clone(), x.clone());
    affine.backward(
        &x,
        &mut cache,
        Grad::Output(&ones),
        &mut param_grads,
        Some(&mut dy_dx),
    );
    println!("dy/dx = {}", dy_dx[[0, 0]]);
    assert_eq!(dy_dx[[0, 0]], 2.0);

    // The same on a (2, 2) tensor of zeros: the gradient of sum(2x + 3) is 2 everywhere.
    let mut doubling = Dense::<2, 2>::from_tensors(
        Tensor::from([[2.0, 0.0], [0.0, 2.0]]),
        Tensor::from([3.0, 3.0]),
    );
    let x = Tensor::<(Dim<2>, Dim<2>)>::zeros(Default::default());
    let mut cache = Default::default();
    let y = doubling.forward_train(&x, &mut cache);
    let ones = Tensor::ones(y.shape());
    let (mut param_grads, mut grad) = (doubling.clone(), x.clone());
    doubling.backward(
        &x,
        &mut cache,
        Grad::Output(&ones),
        &mut param_grads,
        Some(&mut grad),
    );
    println!("gradient of sum(2x + 3) w.r.t. a (2, 2) x:\n{grad}");
    assert!(grad.as_slice().iter().all(|&g| g == 2.0));

    // y = x . W + b with W (2, 2) and b (2,) random, x (2, 2) random: d sum(y) / d[W, b].
    let mut layer = Dense::<2, 2>::from_tensors(
        Tensor::random_uniform(Default::default(), 0.0, 1.0, 1),
        Tensor::zeros(Default::default()),
    );
    let x = Tensor::<(Dim<2>, Dim<2>)>::random_uniform(Default::default(), 0.0, 1.0, 2);
    let mut cache = Default::default();
    let y = layer.forward_train(&x, &mut cache);
    let ones = Tensor::ones(y.shape());
    let mut grads = layer.clone();
    layer.backward(&x, &mut cache, Grad::Output(&ones), &mut grads, None);
    println!("x =\n{x}");
    println!("grad W = x^T . ones =\n{}", grads.kernel);
    println!("grad b = column sums of ones = {}", grads.bias);
    let expected = x
        .t()
        .matmul(&Tensor::<(Dim<2>, Dim<2>)>::ones(Default::default()));
    assert_eq!(grads.kernel, expected);

    // The training form: the gradient of a loss with respect to every weight of a model.
    let mut model = (Dense::<2, 2>::new(3), Dense::<2, 1>::new(4));
    let target = Tensor::<(Dim<2>, Dim<1>)>::from([[1.0], [0.0]]);
    let (loss, grads) = value_and_grad(&mut model, &MeanSquaredError, &x, &target).unwrap();
    println!("loss = {loss:.4}");
    println!("d loss / d model.0.kernel =\n{}", grads.0.kernel);
    println!("d loss / d model.1.bias = {}", grads.1.bias);
}
