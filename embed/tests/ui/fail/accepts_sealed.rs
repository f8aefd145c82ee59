use shaped_embed::{Accepts, FixedLayer};

struct Copy2;

impl FixedLayer for Copy2 {
    type Input = [f32; 2];
    type Output = [f32; 2];
    const SCRATCH: usize = 0;
    fn forward_with(&self, x: &[f32; 2], y: &mut [f32; 2], _: &mut [f32]) {
        *y = *x;
    }
}

/// Three values, a type of this crate (so that the orphan rules allow the impl below).
struct Three([f32; 3]);

// A link whose sizes do not match (the layer reads 2 values, the link claims 3): a chain's
// scratch layout relies on links, so only shaped-embed declares them.
impl Accepts<Three> for [Copy2] {}

fn main() {}
