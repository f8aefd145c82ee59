//! The safetensors loaders on arbitrary bytes: Ok or a clear Err, never a panic; a model is
//! left unchanged when loading fails.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shaped::nn::{Dense, Relu, Softmax};
use shaped::optim::RmsProp;

type Net = (Dense<4, 3, Relu>, Dense<3, 2, Softmax>);

fuzz_target!(|data: &[u8]| {
    let mut net: Net = (Dense::new(0), Dense::new(1));
    let before = net.clone();
    if shaped::io::load_weights_bytes(&mut net, data).is_err() {
        assert!(net == before);
    }
    let mut opt: RmsProp<Net> = RmsProp::default();
    let _ = shaped::io::load_checkpoint_bytes(&mut net, &mut opt, data);
});
