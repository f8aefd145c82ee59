//! Gradients of a loss with respect to a model's parameters: shaped's answer to
//! `tape.gradient(loss, model.weights)`.

use super::loss::{Loss, LossError};
use super::{Grad, HasElem, Layer, Train, reuse};

/// The mean loss of `model` on `(x, y)` and its gradients, typed like the model: the
/// gradient of `model.0.kernel` is `grads.0.kernel`. The model is borrowed mutably because
/// training-time state moves on (a dropout layer draws a new mask on every call).
///
/// ```
/// use shaped::nn::loss::MeanSquaredError;
/// use shaped::nn::{Dense, value_and_grad};
/// use shaped::{Dim, Tensor};
/// // y = x . W + b with W = [[2], [1]], b = [3]; loss = mean((y - t)^2).
/// let mut model = (Dense::<2, 1>::from_tensors(Tensor::from([[2.0], [1.0]]), Tensor::from([3.0])),);
/// let x = Tensor::<(Dim<1>, Dim<2>)>::from([[1.0, 1.0]]);
/// let t = Tensor::<(Dim<1>, Dim<1>)>::from([[0.0]]);
/// let (loss, grads) = value_and_grad(&mut model, &MeanSquaredError, &x, &t).unwrap();
/// assert_eq!(loss, 36.0); // (2 + 1 + 3)^2
/// assert_eq!(grads.0.kernel.as_slice(), &[12.0, 12.0]); // 2 * 6 * x
/// assert_eq!(grads.0.bias.as_slice(), &[12.0]);
/// ```
pub fn value_and_grad<M, X, T, L>(
    model: &mut M,
    loss: &L,
    x: &X,
    y: &T,
) -> Result<(X::Elem, M), LossError>
where
    X: HasElem,
    M: Train<X>,
    L: Loss<M::Output, T, Elem = X::Elem>,
{
    let () = <M as Layer<X>>::CHECK;
    let mut grads = model.zeros_like();
    let value = value_and_grad_with(
        model,
        loss,
        x,
        y,
        &mut grads,
        &mut Default::default(),
        &mut None,
    )?;
    Ok((value, grads))
}

/// [`value_and_grad`] with every buffer supplied by the caller: the gradients, the model's
/// cache and the output-gradient buffer. Reusing them across steps, nothing is allocated
/// after the first call. This is the one training path: `fit` and `train_step` step through
/// it, and it is the one place where a softmax output and a crossentropy fuse their
/// gradient.
pub fn value_and_grad_with<M, X, T, L>(
    model: &mut M,
    loss: &L,
    x: &X,
    y: &T,
    grads: &mut M,
    cache: &mut M::Cache,
    output_grad: &mut Option<M::Output>,
) -> Result<X::Elem, LossError>
where
    X: HasElem,
    M: Train<X>,
    L: Loss<M::Output, T, Elem = X::Elem>,
{
    let () = <M as Layer<X>>::CHECK;
    let out = model.forward_train(x, cache);
    let g = reuse(output_grad, out);
    let (value, fused) = loss.try_loss_and_grad_into(out, y, M::SOFTMAX_OUTPUT, g)?;
    let grad = if fused {
        Grad::PreActivation(&*g)
    } else {
        Grad::Output(&*g)
    };
    model.backward(x, cache, grad, grads, None);
    Ok(value)
}
