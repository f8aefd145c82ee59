//! Activations applied in place to one output vector (per pixel for convolutions).

/// An activation applied in place to one output vector. The marker types are the same ones
/// `shaped::nn` uses, so a trained layer and its fixed-size twin name the same activation.
pub trait FixedActivation {
    /// Applies the function to `values`.
    fn apply(values: &mut [f32]);
}

/// The identity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Linear;
/// `max(x, 0)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Relu;
/// `1 / (1 + e^-x)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Sigmoid;
/// `tanh(x)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Tanh;
/// `e^x_i / sum_j e^x_j`, shifted by the maximum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Softmax;

impl FixedActivation for Linear {
    fn apply(_: &mut [f32]) {}
}
impl FixedActivation for Relu {
    fn apply(values: &mut [f32]) {
        values.iter_mut().for_each(|v| *v = v.max(0.0));
    }
}
impl FixedActivation for Sigmoid {
    fn apply(values: &mut [f32]) {
        values
            .iter_mut()
            .for_each(|v| *v = 1.0 / (1.0 + libm::expf(-*v)));
    }
}
impl FixedActivation for Tanh {
    fn apply(values: &mut [f32]) {
        values.iter_mut().for_each(|v| *v = libm::tanhf(*v));
    }
}
impl FixedActivation for Softmax {
    fn apply(values: &mut [f32]) {
        let max = values.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for v in values.iter_mut() {
            *v = libm::expf(*v - max);
            sum += *v;
        }
        values.iter_mut().for_each(|v| *v /= sum);
    }
}
