//! A downstream crate: attention scores whose query and key widths must agree, stated as
//! this crate's own shape rule with its own message.

use shaped::{Dim, Dimension, Tensor, shape_rule};

shape_rule! {
    /// A query is compared with keys of the same width.
    pub QueryMatchesKey:
        "a query of width `{Self}` cannot be compared with keys of width `{Rhs}`",
        label = "queries and keys must have the same width"
}

/// Scores queries of width `Q` against keys of width `K`; the widths are named in the type,
/// so a mismatch is reported by the rule where the scorer is made.
#[derive(Clone, Copy, Debug, Default)]
pub struct Scorer<const Q: usize, const K: usize>;

// The rule sits on each function, not on the impl block: rustc reports an unmet bound of a
// function with the rule's message (E0277), an impl block's as a missing method (E0599).
impl<const Q: usize, const K: usize> Scorer<Q, K> {
    /// A scorer; `Scorer::<64, 32>::new()` does not compile.
    pub fn new() -> Self
    where
        Dim<Q>: QueryMatchesKey<Dim<K>>,
    {
        Scorer
    }

    /// Each query against each key, `q . k^T`: `(batch, keys)`. The product needs shaped's
    /// `SameDim` on the widths, which the rule implies.
    pub fn scores<B: Dimension>(
        &self,
        queries: &Tensor<(B, Dim<Q>)>,
        keys: &Tensor<(usize, Dim<K>)>,
    ) -> Tensor<(B, usize)>
    where
        Dim<Q>: QueryMatchesKey<Dim<K>>,
    {
        queries.matmul(keys.t())
    }
}
