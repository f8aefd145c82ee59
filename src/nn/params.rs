//! Parameters: how optimizers and serialisation see a model, without maps keyed by ids.

use crate::tensor::Float;

/// A value made of parameter tensors (a layer, a model, or its gradients).
///
/// Gradients and optimizer state have the model's own type, so they have the structure of
/// the parameters by construction.
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

/// Joins a path prefix and a name with a dot.
pub(crate) fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}
