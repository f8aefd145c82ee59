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
