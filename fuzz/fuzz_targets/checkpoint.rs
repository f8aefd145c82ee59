//! Checkpoint loading on arbitrary bytes: Ok or a clear Err, never a panic; on error the
//! model and the optimizer are both unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shaped::nn::{Dense, Relu, Softmax};
use shaped::optim::{Optimizer, RmsProp};

type Net = (Dense<4, 3, Relu>, Dense<3, 2, Softmax>);

fuzz_target!(|data: &[u8]| {
    let mut net: Net = (Dense::new(0), Dense::new(1));
    let mut opt: RmsProp<Net> = RmsProp::default();
    let before = (net.clone(), Optimizer::<Net, f32>::iterations(&opt));
    if shaped::io::load_checkpoint_bytes(&mut net, &mut opt, data).is_err() {
        assert!(net == before.0);
        assert_eq!(Optimizer::<Net, f32>::iterations(&opt), before.1);
    }
});
