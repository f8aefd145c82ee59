// Flattening 3x3x8 gives 72 values, not 64.
use shaped_embed::FixedFlatten;

fn main() {
    let _flat = FixedFlatten::<3, 3, 8, 64>::new();
}
