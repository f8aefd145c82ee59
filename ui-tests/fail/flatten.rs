// 28 x 28 images flatten into 784 features, not 785.
use shaped::{Dim, Tensor};

fn main() {
    let images = Tensor::<(usize, Dim<28>, Dim<28>), u8>::zeros((10, Dim, Dim));
    let _flat = images.flatten_inner::<785>();
}
