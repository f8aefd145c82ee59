// train_images[50:150] on 100 images: the static slice runs past the end.
use shaped::{Dim, Tensor};

fn main() {
    let images = Tensor::<(Dim<100>, Dim<28>, Dim<28>), u8>::zeros(Default::default());
    let _s = images.narrow::<0, 50, 100>();
}
