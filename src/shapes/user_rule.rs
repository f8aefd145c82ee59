//! `shape_rule!`: a named equality rule between dims, declared in the user's crate with the
//! user's message, like shaped's own rules (`SameDim`): checked by `cargo check`, reported at
//! the call that breaks it, usable as a bound in generic code.

/// Declares a trait `Name<Rhs>` that holds when two dims are the same dim, with your
/// message: two equal static sizes, or the same generic dim. (A runtime `usize` dim against
/// a static one does not satisfy it: compare those when the program runs. Leaving those
/// pairs out keeps the error to your message and the bound.)
/// `{Self}` and `{Rhs}` in the message name the two dims. The rule implies shaped's
/// [`SameDim`](crate::shapes::rules::SameDim), so generic code bounded by it can use those
/// dims in products and layers without restating shaped's bound, and a caller who breaks it
/// gets one error, yours.
///
/// ```
/// use shaped::{Dim, Dimension, shape_rule};
///
/// shape_rule! {
///     /// The encoder's output feeds the decoder.
///     pub EncoderFeedsDecoder:
///         "the encoder's output width `{Self}` must equal the decoder's input width `{Rhs}`",
///         label = "encoder and decoder widths differ"
/// }
///
/// // The rule as a bound: generic code states it once, callers satisfy it or get the message.
/// fn autoencoder<const E: usize, const D: usize>() -> usize
/// where
///     Dim<E>: EncoderFeedsDecoder<Dim<D>>,
/// {
///     E
/// }
///
/// assert_eq!(autoencoder::<32, 32>(), 32);
///
/// // shaped's products accept dims related by the rule, in generic code.
/// fn code<B: Dimension, const E: usize, const D: usize>(
///     h: &shaped::Tensor<(B, Dim<E>)>,
///     w: &shaped::Tensor<(Dim<D>, Dim<4>)>,
/// ) -> shaped::Tensor<(B, Dim<4>)>
/// where
///     Dim<E>: EncoderFeedsDecoder<Dim<D>>,
/// {
///     h.matmul(w)
/// }
/// let h = shaped::Tensor::<(usize, Dim<3>)>::ones((2, Dim));
/// let w = shaped::Tensor::<(Dim<3>, Dim<4>)>::ones(Default::default());
/// assert_eq!(code(&h, &w).as_slice(), &[3.0; 8]);
/// ```
///
/// Name the dims in a type or a turbofish where the rule is used: when both are inferred
/// from a generic function's arguments, rustc may infer one from the other through the rule
/// and report `mismatched types` instead. `autoencoder::<32, 16>()` does not compile:
///
/// ```text
/// error[E0277]: the encoder's output width `Dim<32>` must equal the decoder's input width `Dim<16>`
///   --> src/main.rs:18:20
///    |
/// 18 |     autoencoder::<32, 16>();
///    |                   ^^ encoder and decoder widths differ
/// ```
#[macro_export]
macro_rules! shape_rule {
    ($(#[$meta:meta])* $vis:vis $name:ident: $message:literal $(, label = $label:literal)? $(,)?) => {
        $(#[$meta])*
        #[diagnostic::on_unimplemented(message = $message $(, label = $label)?)]
        $vis trait $name<Rhs: $crate::Dimension>: $crate::shapes::rules::SameDim<Rhs> {}
        impl<D: $crate::Dimension> $name<D> for D {}
    };
}
