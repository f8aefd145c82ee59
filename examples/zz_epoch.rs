use shaped::nn::loss::SparseCategoricalCrossentropy;
use shaped::nn::{Dense, Relu, Softmax};
use shaped::optim::RmsProp;
use shaped::train::{Accuracy, FitConfig, Model};
use shaped::{Dim, Tensor};
type Net = (Dense<784, 512, Relu>, Dense<512, 10, Softmax>);
type Images = Tensor<(usize, Dim<784>)>;
fn main() {
    let threads: usize = std::env::args().nth(1).unwrap().parse().unwrap();
    shaped::ops::set_num_threads(threads);
    let n = 60000;
    let noise = Images::random_uniform((n, Dim), 0.0, 1.0, 7);
    let x = noise.map(|v| if v < 0.19 { v / 0.19 } else { 0.0 });
    let y = Tensor::<(usize,), f32>::random_uniform((n,), 0.0, 10.0, 8).map(|v| v as u8);
    let net: Net = (Dense::new(0), Dense::new(1));
    let mut m = Model::compile(
        net,
        RmsProp::default(),
        SparseCategoricalCrossentropy::default(),
        Accuracy::default(),
    );
    let config = FitConfig {
        epochs: 1,
        batch_size: 128,
        verbose: false,
        ..FitConfig::default()
    };
    let t = std::time::Instant::now();
    m.fit(&x, &y, &config).unwrap();
    println!("{:.3} s/epoch", t.elapsed().as_secs_f64() / 1.0);
}
