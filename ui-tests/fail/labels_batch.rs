// 128 predictions cannot be scored against 64 labels.
use shaped::nn::loss::{Loss, SparseCategoricalCrossentropy};
use shaped::{Dim, Tensor};

fn main() {
    let logits = Tensor::<(Dim<128>, Dim<10>)>::zeros(Default::default());
    let labels = Tensor::<(Dim<64>,), u8>::zeros(Default::default());
    let _l = SparseCategoricalCrossentropy::default().try_loss(&logits, &labels);
}
