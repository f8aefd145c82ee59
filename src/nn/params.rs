//! Parameters: how optimizers and serialisation see a model, without maps keyed by ids.

use crate::shapes::Shape;
use crate::tensor::{Float, Tensor};

/// A value made of parameter tensors (a layer, a model, or its gradients).
///
/// Gradients and optimizer state have the model's own type, so they have the structure of
/// the parameters by construction.
///
/// Write it with `#[derive(Params)]`: fields are visited in order under their names
/// (`hidden.kernel`); `#[params(buffer)]` marks non-trainable buffers (saved and loaded,
/// never touched by optimizers or weight decay), `#[params(config)]` a setting saved in
/// the file's metadata and checked on load, `#[params(skip)]` anything else. A layer
/// without parameters derives it on a unit struct:
///
/// ```
/// use shaped::nn::Params;
/// use shaped::{Dim, Tensor};
///
/// #[derive(Clone, Params)]
/// struct Scale {
///     gain: Tensor<(Dim<3>,)>,
///     #[params(buffer)]
///     calls: Tensor<(Dim<1>,)>,
///     #[params(config)]
///     epsilon: f32,
/// }
///
/// #[derive(Clone, Params)]
/// struct Identity;
///
/// let s = Scale { gain: Tensor::ones(Default::default()), calls: Tensor::zeros(Default::default()), epsilon: 1e-3 };
/// let mut names = Vec::new();
/// s.visit("block", &mut |name, _, _| names.push(name.to_string()));
/// s.visit_buffers("block", &mut |name, _, _| names.push(name.to_string()));
/// s.visit_config("block", &mut |name, value| names.push(format!("{name}={value}")));
/// assert_eq!(names, ["block.gain", "block.calls", "block.epsilon=0.001"]);
/// assert_eq!(Params::<f32>::num_params(&Identity), 0);
/// ```
pub trait Params<E: Float>: Clone {
    /// Calls `f(name, values, dims)` for every parameter tensor, in a fixed order.
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &[E], &[usize]));

    /// Calls `f(values)` for every parameter tensor, mutably, in the same order.
    fn visit_mut(&mut self, f: &mut dyn FnMut(&mut [E]));

    /// Walks `self`, `grads` and `K` same-shaped state values in lockstep: `f(param, grad,
    /// states)` for every parameter tensor.
    fn zip_update<const K: usize>(
        &mut self,
        grads: &Self,
        states: [&mut Self; K],
        f: &mut dyn FnMut(&mut [E], &[E], [&mut [E]; K]),
    );

    /// Calls `f(name, values, dims)` for every non-trainable buffer (running statistics):
    /// saved and loaded with the weights, never updated by an optimizer.
    fn visit_buffers(&self, prefix: &str, f: &mut dyn FnMut(&str, &[E], &[usize])) {
        let _ = (prefix, f);
    }

    /// Calls `f(values)` for every buffer, mutably, in the order of `visit_buffers`.
    fn visit_buffers_mut(&mut self, f: &mut dyn FnMut(&mut [E])) {
        let _ = f;
    }

    /// Calls `f(name, value)` for every setting that changes the computation (a rate, an
    /// epsilon, a seed): saved in the file's metadata and checked on load.
    fn visit_config(&self, prefix: &str, f: &mut dyn FnMut(&str, String)) {
        let _ = (prefix, f);
    }

    /// Number of scalar parameters.
    fn num_params(&self) -> usize {
        let mut n = 0;
        self.visit("", &mut |_, v, _| n += v.len());
        n
    }

    /// A value of the same structure with every parameter set to zero.
    fn zeros_like(&self) -> Self {
        let mut z = self.clone();
        z.visit_mut(&mut |v| v.iter_mut().for_each(|x| *x = E::zero()));
        z
    }
}

/// Joins a path prefix and a name with a dot: `join("0", "kernel") == "0.kernel"`, and a
/// name alone under an empty prefix. For `Params` written by hand.
pub fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// A tensor is one parameter, named by the prefix it is visited under.
impl<S: Shape, E: Float> Params<E> for Tensor<S, E> {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &[E], &[usize])) {
        f(prefix, self.as_slice(), self.shape_dims().as_ref());
    }
    fn visit_mut(&mut self, f: &mut dyn FnMut(&mut [E])) {
        f(self.as_mut_slice());
    }
    fn zip_update<const K: usize>(
        &mut self,
        grads: &Self,
        mut states: [&mut Self; K],
        f: &mut dyn FnMut(&mut [E], &[E], [&mut [E]; K]),
    ) {
        f(
            self.as_mut_slice(),
            grads.as_slice(),
            states.each_mut().map(|s| s.as_mut_slice()),
        );
    }
}

/// Marker fields (an activation type, say) hold no parameters.
impl<T, E: Float> Params<E> for core::marker::PhantomData<T> {
    fn visit(&self, _: &str, _: &mut dyn FnMut(&str, &[E], &[usize])) {}
    fn visit_mut(&mut self, _: &mut dyn FnMut(&mut [E])) {}
    fn zip_update<const K: usize>(
        &mut self,
        _: &Self,
        _: [&mut Self; K],
        _: &mut dyn FnMut(&mut [E], &[E], [&mut [E]; K]),
    ) {
    }
}
