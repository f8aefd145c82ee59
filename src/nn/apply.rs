//! Any element-wise function as a layer: [`Apply<F>`] for an [`ElementWise`] function with
//! its derivative (shaped's own, [`Sin`], [`Exp`], [`Square`], ..., or yours).

use core::marker::PhantomData;

use super::{Grad, Layer, Params, Train, reuse};
use crate::shapes::Shape;
use crate::tensor::{Float, Tensor};

/// An element-wise function and its derivative, written with the input `x`.
pub trait ElementWise: Clone + Default + core::fmt::Debug + Send + Sync + 'static {
    /// `f(x)`.
    fn f<E: Float>(x: E) -> E;
    /// `f'(x)`.
    fn df<E: Float>(x: E) -> E;
}

/// The layer `y = F(x)`, element by element; its backward is `grad * F'(x)`.
///
/// ```
/// use shaped::nn::{Apply, Dense, ElementWise, Layer, Sin};
/// use shaped::{Dim, Tensor};
/// let net = (Dense::<2, 3>::new(0), Apply::<Sin>::default());
/// let y = net.forward(&Tensor::<(usize, Dim<2>)>::zeros((1, Dim)));
/// assert_eq!(y.as_slice(), &[0.0; 3]); // sin(0 . W + 0)
///
/// // Your own function: softplus, ln(1 + e^x).
/// #[derive(Clone, Copy, Debug, Default)]
/// struct Softplus;
/// impl ElementWise for Softplus {
///     fn f<E: shaped::tensor::Float>(x: E) -> E { x.exp().ln_1p() }
///     fn df<E: shaped::tensor::Float>(x: E) -> E { E::one() / (E::one() + (-x).exp()) }
/// }
/// let soft = Apply::<Softplus>::default();
/// let y = soft.forward(&Tensor::<(Dim<1>,)>::from([0.0]));
/// assert!((y.as_slice()[0] - 2f32.ln()).abs() < 1e-6);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Params)]
pub struct Apply<F>(PhantomData<F>);

impl<S: Shape, E: Float, F: ElementWise> Layer<Tensor<S, E>> for Apply<F> {
    type Output = Tensor<S, E>;
    fn forward(&self, x: &Tensor<S, E>) -> Self::Output {
        x.map(F::f)
    }
}

impl<S: Shape, E: Float, F: ElementWise> Train<Tensor<S, E>> for Apply<F> {
    /// The output.
    type Cache = Option<Tensor<S, E>>;
    const SOFTMAX_OUTPUT: bool = false;
    fn forward_train<'c>(
        &mut self,
        x: &Tensor<S, E>,
        cache: &'c mut Self::Cache,
    ) -> &'c Self::Output {
        let out = reuse(cache, x);
        x.zip_map_into(x, out, |v, _| F::f(v));
        out
    }
    fn output(cache: &Self::Cache) -> &Self::Output {
        cache.as_ref().expect("forward_train runs before backward")
    }
    fn backward(
        &self,
        x: &Tensor<S, E>,
        _: &mut Self::Cache,
        grad: Grad<&Self::Output>,
        _: &mut Self,
        input_grad: Option<&mut Tensor<S, E>>,
    ) {
        let Some(dx) = input_grad else { return };
        let (Grad::Output(g) | Grad::PreActivation(g)) = grad;
        x.zip_map_into(g, dx, |v, g| g * F::df(v));
    }
}

macro_rules! element_wise {
    ($($(#[$doc:meta])* $name:ident => $f:expr, $df:expr;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct $name;

        impl ElementWise for $name {
            fn f<E: Float>(x: E) -> E {
                ($f)(x)
            }
            fn df<E: Float>(x: E) -> E {
                ($df)(x)
            }
        }
    )*};
}

element_wise! {
    /// `sin(x)`, for [`Apply`].
    Sin => |x: E| x.sin(), |x: E| x.cos();
    /// `cos(x)`, for [`Apply`].
    Cos => |x: E| x.cos(), |x: E| -x.sin();
    /// `e^x`, for [`Apply`].
    Exp => |x: E| x.exp(), |x: E| x.exp();
    /// `x^2`, for [`Apply`].
    Square => |x: E| x * x, |x: E| x + x;
    /// `|x|`, for [`Apply`] (derivative 0 at 0).
    Abs => |x: E| x.abs(), |x: E| if x > E::zero() { E::one() } else if x < E::zero() { -E::one() } else { E::zero() };
}
