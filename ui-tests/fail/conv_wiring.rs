// The second convolution expects 32 channels but the pooling layer passes on 16.
use shaped::nn::{Conv2D, Layer, MaxPooling2D, Relu};
use shaped::{Dim, Tensor};

fn main() {
    let net = (
        Conv2D::<28, 28, 1, 26, 26, 16, 3, Relu>::new(0),
        MaxPooling2D::<26, 26, 16, 13, 13, 2>::new(),
        Conv2D::<13, 13, 32, 11, 11, 64, 3, Relu>::new(1),
    );
    let x = Tensor::<(usize, Dim<28>, Dim<28>, Dim<1>)>::zeros((1, Dim, Dim, Dim));
    let _y = net.forward(&x);
}
