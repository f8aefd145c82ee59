// Convolutions and pooling that follow the formulas: valid and same padding, strides 1-3,
// odd and non-square sizes, and the book's convnet.
use shaped::nn::{
    AveragePooling2D, Conv2D, Dense, Flatten, GlobalAveragePooling2D, Layer, MaxPooling2D, Relu,
    Same, Softmax,
};
use shaped::{Dim, Tensor};

fn main() {
    let book = (
        Conv2D::<28, 28, 1, 26, 26, 32, 3, Relu>::new(0),
        MaxPooling2D::<26, 26, 32, 13, 13, 2>::new(),
        Conv2D::<13, 13, 32, 11, 11, 64, 3, Relu>::new(1),
        MaxPooling2D::<11, 11, 64, 5, 5, 2>::new(),
        Conv2D::<5, 5, 64, 3, 3, 128, 3, Relu>::new(2),
        Flatten::<1152>,
        Dense::<1152, 10, Softmax>::new(3),
    );
    let x = Tensor::<(usize, Dim<28>, Dim<28>, Dim<1>)>::zeros((2, Dim, Dim, Dim));
    assert_eq!(book.forward(&x).shape_dims(), [2, 10]);

    // Same padding keeps the size at stride 1 and rounds up at larger strides.
    let _ = Conv2D::<28, 28, 1, 28, 28, 8, 3, Relu, 1, Same>::new(0);
    let _ = Conv2D::<7, 7, 4, 4, 4, 8, 3, Relu, 2, Same>::new(0);
    let _ = Conv2D::<10, 10, 1, 4, 4, 2, 3, Relu, 3, Same>::new(0);
    // Valid at stride 2 and 3 on odd sizes.
    let _ = Conv2D::<7, 9, 3, 3, 4, 8, 3, Relu, 2>::new(0);
    let _ = Conv2D::<11, 11, 1, 3, 3, 2, 3, Relu, 3>::new(0);
    // Non-square images (a spectrogram, say) and a kernel as large as the input.
    let _ = Conv2D::<49, 10, 1, 47, 8, 16, 3, Relu>::new(0);
    let _ = Conv2D::<5, 5, 2, 1, 1, 4, 5>::new(0);
    let _ = MaxPooling2D::<5, 5, 2, 3, 3, 2, Same>::new();
    let _ = AveragePooling2D::<9, 9, 2, 3, 3, 3>::new();
    let gap = GlobalAveragePooling2D;
    let y = gap.forward(&Tensor::<(usize, Dim<3>, Dim<3>, Dim<6>)>::zeros((1, Dim, Dim, Dim)));
    assert_eq!(y.shape_dims(), [1, 6]);
}

// Generic code over the image size: the formula is checked for each use.
fn _generic<const H: usize, const W: usize, const OH: usize, const OW: usize>(
    x: &Tensor<(usize, Dim<H>, Dim<W>, Dim<1>)>,
) -> Tensor<(usize, Dim<OH>, Dim<OW>, Dim<4>)> {
    Conv2D::<H, W, 1, OH, OW, 4, 3>::new(0).forward(x)
}
