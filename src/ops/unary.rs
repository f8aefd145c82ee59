//! Element-wise functions of one tensor.

use crate::shapes::Shape;
use crate::tensor::{Dtype, Float, Tensor};

impl<S: Shape, E: Dtype> Tensor<S, E> {
    /// Applies `f` to every element, into a new tensor of any element type.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let x = Tensor::<(Dim<3>,)>::from([1.0, -2.0, 3.0]);
    /// assert_eq!(x.map(|v| v * 2.0).as_slice(), &[2.0, -4.0, 6.0]);
    /// ```
    pub fn map<F: Dtype>(&self, f: impl FnMut(E) -> F) -> Tensor<S, F> {
        Tensor::from_parts(
            self.shape(),
            self.as_slice().iter().copied().map(f).collect(),
        )
    }

    /// Applies `f` to every element in place.
    pub fn map_inplace(&mut self, mut f: impl FnMut(E) -> E) {
        for x in self.as_mut_slice() {
            *x = f(*x);
        }
    }

    /// `out[i] = f(self[i], other[i])` for two tensors of one shape, into a reused buffer
    /// (reshaped like `self`, its allocation kept): the allocation-free element-wise step
    /// that layers' forward and backward passes need.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let x = Tensor::<(usize, Dim<2>)>::from_vec((2, Dim), vec![1.0, 2.0, 3.0, 4.0]);
    /// let mask = Tensor::<(usize, Dim<2>)>::from_vec((2, Dim), vec![0.0, 2.0, 2.0, 0.0]);
    /// let mut out = Tensor::<(usize, Dim<2>)>::zeros((0, Dim));
    /// x.zip_map_into(&mask, &mut out, |v, m| v * m);
    /// assert_eq!(out.as_slice(), &[0.0, 4.0, 6.0, 0.0]);
    /// ```
    #[track_caller]
    pub fn zip_map_into<F: Dtype, G: Dtype>(
        &self,
        other: &Tensor<S, F>,
        out: &mut Tensor<S, G>,
        mut f: impl FnMut(E, F) -> G,
    ) {
        assert_eq!(
            self.shape_dims(),
            other.shape_dims(),
            "zip_map_into: tensors of different shapes"
        );
        out.set_shape(self.shape());
        for ((o, &a), &b) in out
            .as_mut_slice()
            .iter_mut()
            .zip(self.as_slice())
            .zip(other.as_slice())
        {
            *o = f(a, b);
        }
    }

    /// Element-wise square.
    pub fn square(&self) -> Self {
        self.map(|x| x * x)
    }
}

macro_rules! float_unary {
    ($($(#[$doc:meta])* $name:ident => $f:expr;)*) => {
        impl<S: Shape, E: Float> Tensor<S, E> {
            $(
                $(#[$doc])*
                pub fn $name(&self) -> Self {
                    self.map($f)
                }
            )*
        }
    };
}

float_unary! {
    /// `max(x, 0)`, the rectified linear unit (the chapter's `naive_relu`).
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let x = Tensor::<(Dim<3>,)>::from([1.0, -2.0, 0.5]);
    /// assert_eq!(x.relu().as_slice(), &[1.0, 0.0, 0.5]);
    /// ```
    relu => |x: E| if x < E::zero() { E::zero() } else { x };
    /// Element-wise `e^x`.
    exp => |x: E| x.exp();
    /// Element-wise natural logarithm.
    ln => |x: E| x.ln();
    /// Element-wise square root.
    sqrt => |x: E| x.sqrt();
    /// Element-wise absolute value.
    abs => |x: E| x.abs();
    /// Element-wise hyperbolic tangent.
    tanh => |x: E| x.tanh();
    /// Element-wise logistic function `1 / (1 + e^-x)`.
    sigmoid => |x: E| sigmoid(x);
}

/// Element-wise math with its vector-Jacobian product: `x.f()` and `x.f_backward(&g)`,
/// the gradient at `x` given the gradient `g` at `f(x)` (written with `x`, the input).
macro_rules! float_math {
    ($($(#[$doc:meta])* $name:ident, $back:ident => $f:expr, $df:expr;)*) => {
        impl<S: Shape, E: Float> Tensor<S, E> {
            $(
                $(#[$doc])*
                pub fn $name(&self) -> Self {
                    self.map($f)
                }

                #[doc = concat!("The vector-Jacobian product of [`", stringify!($name), "`](Self::", stringify!($name), "): `grad * d", stringify!($name), "(x)/dx` element-wise, `self` being the input `x`.")]
                #[track_caller]
                pub fn $back(&self, grad: &Self) -> Self {
                    let mut out = self.clone();
                    self.zip_map_into(grad, &mut out, |x, g| g * ($df)(x));
                    out
                }
            )*
        }
    };
}

float_math! {
    /// Element-wise sine.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let x = Tensor::<(Dim<2>,)>::from([0.0, std::f32::consts::FRAC_PI_2]);
    /// assert_eq!(x.sin().as_slice(), &[0.0, 1.0]);
    /// assert_eq!(x.sin_backward(&Tensor::from([1.0, 1.0])).as_slice()[0], 1.0); // cos(0)
    /// ```
    sin, sin_backward => |x: E| x.sin(), |x: E| x.cos();
    /// Element-wise cosine.
    cos, cos_backward => |x: E| x.cos(), |x: E| -x.sin();
    /// Element-wise natural logarithm (numpy's `np.log`; the same as [`ln`](Self::ln)).
    log, log_backward => |x: E| x.ln(), |x: E| E::one() / x;
}

/// The vector-Jacobian products of the element-wise functions above: `x.f_backward(&g)`.
macro_rules! float_vjp {
    ($($name:ident, $back:ident => $df:expr;)*) => {
        impl<S: Shape, E: Float> Tensor<S, E> {
            $(
                #[doc = concat!("The vector-Jacobian product of [`", stringify!($name), "`](Self::", stringify!($name), "): `grad * d", stringify!($name), "(x)/dx` element-wise, `self` being the input `x`.")]
                #[track_caller]
                pub fn $back(&self, grad: &Self) -> Self {
                    let mut out = self.clone();
                    self.zip_map_into(grad, &mut out, |x, g| g * ($df)(x));
                    out
                }
            )*
        }
    };
}

float_vjp! {
    exp, exp_backward => |x: E| x.exp();
    ln, ln_backward => |x: E| E::one() / x;
    sqrt, sqrt_backward => |x: E| E::one() / (x.sqrt() + x.sqrt());
    abs, abs_backward => |x: E| if x > E::zero() { E::one() } else if x < E::zero() { -E::one() } else { E::zero() };
    tanh, tanh_backward => |x: E| E::one() - x.tanh() * x.tanh();
    sigmoid, sigmoid_backward => |x: E| sigmoid(x) * (E::one() - sigmoid(x));
    relu, relu_backward => |x: E| if x > E::zero() { E::one() } else { E::zero() };
}

impl<S: Shape, E: Float> Tensor<S, E> {
    /// Element-wise integer power.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// assert_eq!(Tensor::<(Dim<2>,)>::from([2.0, -3.0]).powi(3).as_slice(), &[8.0, -27.0]);
    /// ```
    pub fn powi(&self, n: i32) -> Self {
        self.map(|x| x.powi(n))
    }

    /// The vector-Jacobian product of [`powi`](Self::powi): `grad * n * x^(n-1)`.
    #[track_caller]
    pub fn powi_backward(&self, n: i32, grad: &Self) -> Self {
        let k = E::from(n).expect("an i32 fits a float");
        let mut out = self.clone();
        self.zip_map_into(grad, &mut out, |x, g| g * k * x.powi(n - 1));
        out
    }

    /// Element-wise real power.
    pub fn powf(&self, p: E) -> Self {
        self.map(|x| x.powf(p))
    }

    /// The vector-Jacobian product of [`powf`](Self::powf): `grad * p * x^(p-1)`.
    #[track_caller]
    pub fn powf_backward(&self, p: E, grad: &Self) -> Self {
        let mut out = self.clone();
        self.zip_map_into(grad, &mut out, |x, g| g * p * x.powf(p - E::one()));
        out
    }

    /// Element-wise clamp into `[low, high]` (numpy's `np.clip`); NaN stays NaN.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let x = Tensor::<(Dim<3>,)>::from([-2.0, 0.5, 9.0]);
    /// assert_eq!(x.clamp(0.0, 1.0).as_slice(), &[0.0, 0.5, 1.0]);
    /// ```
    pub fn clamp(&self, low: E, high: E) -> Self {
        self.map(|x| {
            if x < low {
                low
            } else if x > high {
                high
            } else {
                x
            }
        })
    }

    /// The vector-Jacobian product of [`clamp`](Self::clamp): the gradient where `x` is
    /// inside `[low, high]`, 0 where it was clamped.
    #[track_caller]
    pub fn clamp_backward(&self, low: E, high: E, grad: &Self) -> Self {
        let mut out = self.clone();
        self.zip_map_into(grad, &mut out, |x, g| {
            if x < low || x > high { E::zero() } else { g }
        });
        out
    }
}

/// The logistic function, computed without overflow for large `|x|`.
pub(crate) fn sigmoid<E: Float>(x: E) -> E {
    if x >= E::zero() {
        E::one() / (E::one() + (-x).exp())
    } else {
        let z = x.exp();
        z / (E::one() + z)
    }
}

impl<S: Shape, E: Float> core::ops::Neg for Tensor<S, E> {
    type Output = Self;
    fn neg(mut self) -> Self {
        self.map_inplace(|x| -x);
        self
    }
}

impl<S: Shape, E: Float> core::ops::Neg for &Tensor<S, E> {
    type Output = Tensor<S, E>;
    fn neg(self) -> Tensor<S, E> {
        self.map(|x| -x)
    }
}
