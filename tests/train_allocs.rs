//! A warmed-up training step makes no heap allocation (counted by this test binary's global
//! allocator), on one thread and on two.

#[path = "common/counting_alloc.rs"]
mod counting_alloc;

use counting_alloc::{Counting, allocations};

use shaped::nn::loss::SparseCategoricalCrossentropy;
use shaped::nn::{Dense, Relu, Softmax};
use shaped::optim::RmsProp;
use shaped::train::{Accuracy, Model};
use shaped::{Dim, Tensor};

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn warmed_up_training_steps_do_not_allocate() {
    let own_kernel = std::arch::is_x86_feature_detected!("avx512f")
        || (std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma"));
    if !own_kernel {
        // Without AVX-512 or AVX2+FMA, products go through matrixmultiply, which allocates
        // its packing buffers on every call.
        eprintln!("skipped: neither AVX-512 nor AVX2+FMA on this machine");
        return;
    }
    let x = Tensor::<(usize, Dim<784>)>::random_uniform((128, Dim), 0.0, 1.0, 1);
    let y = Tensor::<(usize,), u8>::from_fn((128,), |[i]| (i % 10) as u8);
    let net = (
        Dense::<784, 512, Relu>::new(0),
        Dense::<512, 10, Softmax>::new(1),
    );
    let mut model = Model::compile(
        net,
        RmsProp::default(),
        SparseCategoricalCrossentropy::default(),
        Accuracy::default(),
    );
    for threads in [1, 2] {
        shaped::ops::set_num_threads(threads);
        model.train_step(&x, &y).unwrap();
        model.train_step(&x, &y).unwrap();
        let before = allocations();
        for _ in 0..5 {
            model.train_step(&x, &y).unwrap();
        }
        let allocations = allocations() - before;
        assert_eq!(
            allocations, 0,
            "{threads} thread(s): 5 training steps allocated {allocations} times"
        );
    }
}
