// The correct counterparts of the nn compile-fail cases.
use shaped::nn::loss::{CategoricalCrossentropy, Loss, SparseCategoricalCrossentropy};
use shaped::nn::{Dense, Layer, Relu, Softmax};
use shaped::{Dim, Tensor, sequential};

type Net = (Dense<784, 256, Relu>, Dense<256, 128, Relu>, Dense<128, 10, Softmax>);

fn main() {
    let model = (Dense::<784, 512, Relu>::new(0), Dense::<512, 10, Softmax>::new(1));
    let x = Tensor::<(usize, Dim<784>)>::zeros((2, Dim));
    assert_eq!(model.forward(&x).shape_dims(), [2, 10]);
    let net: Net = (Dense::new(0), Dense::new(1), Dense::new(2));
    assert_eq!(net.forward(&x).shape_dims(), [2, 10]);
    let built = sequential![Tensor<(usize, Dim<784>)> =>
        Dense::<784, 512, Relu>::new(0),
        Dense::<512, 256, Relu>::new(1),
        Dense::<256, 10, Softmax>::new(2),
    ];
    assert_eq!(built.forward(&x).shape_dims(), [2, 10]);

    let logits = Tensor::<(Dim<128>, Dim<10>)>::zeros(Default::default());
    let labels = Tensor::<(Dim<128>,), u8>::zeros(Default::default());
    assert!(SparseCategoricalCrossentropy { from_logits: true }.try_loss(&logits, &labels).is_ok());
    let targets = Tensor::<(usize, Dim<10>)>::zeros((128, Dim));
    assert!(CategoricalCrossentropy::default().try_loss(&logits, &targets).is_ok());
}
