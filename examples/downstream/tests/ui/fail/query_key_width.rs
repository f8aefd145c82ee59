// Loading shaped here lets rustc print its types short (`Dim<64>`); without it rustc prints
// their definition path inside shaped, which a snapshot should not depend on.
extern crate shaped;

use shaped_downstream::Scorer;

fn main() {
    let _scorer = Scorer::<64, 32>::new();
}
