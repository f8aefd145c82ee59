//! `sequential!`: builds a tuple model and checks each link where the layer is written.

use core::marker::PhantomData;

use super::Layer;

/// The type a model stage produces, carried between the links `sequential!` checks.
#[doc(hidden)]
pub struct Stage<X>(PhantomData<X>);

impl<X> Stage<X> {
    /// The stage of the model's input.
    #[doc(hidden)]
    pub fn input() -> Self {
        Stage(PhantomData)
    }

    /// Checks that `layer` takes this stage's tensor; an error here points at the layer.
    #[doc(hidden)]
    pub fn then<L: Layer<X>>(self, layer: L) -> (L, Stage<L::Output>) {
        (layer, Stage(PhantomData))
    }
}

/// Builds a model (a tuple of layers) for a given input type, checking every link at the
/// layer that breaks it: the compile error names the layer and the tensor it was offered,
/// and its span is that layer's expression.
///
/// ```
/// use shaped::nn::{Dense, Layer, Relu, Softmax};
/// use shaped::{Dim, Tensor, sequential};
/// let model = sequential![Tensor<(usize, Dim<784>)> =>
///     Dense::<784, 512, Relu>::new(0),
///     Dense::<512, 10, Softmax>::new(1),
/// ];
/// let p = model.forward(&Tensor::zeros((2, Dim)));
/// assert_eq!(p.shape_dims(), [2, 10]);
/// ```
#[macro_export]
macro_rules! sequential {
    ($input:ty => $($layer:expr),+ $(,)?) => {
        $crate::sequential!(@link $crate::nn::Stage::<$input>::input(); (); $($layer),+)
    };
    (@link $stage:expr; ($($done:expr),*); $layer:expr $(, $rest:expr)*) => {{
        let (layer, stage) = $stage.then($layer);
        $crate::sequential!(@link stage; ($($done,)* layer); $($rest),*)
    }};
    (@link $stage:expr; ($($done:expr),*);) => {{
        let _ = $stage;
        ($($done,)*)
    }};
}
