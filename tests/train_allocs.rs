//! A warmed-up training step makes no heap allocation (counted by this test binary's global
//! allocator), on one thread and on two, with every f32 kernel the machine runs: the best
//! one in this process, the others in child processes (`SHAPED_KERNEL`).

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

/// Allocations of 5 calls of `step`, the fewest over 3 windows: the counter is
/// process-wide, so the harness (printing another test's result) can allocate during one
/// window, but a step that allocates does so in every window.
fn steady_allocations(mut step: impl FnMut()) -> usize {
    (0..3)
        .map(|_| {
            let before = allocations();
            for _ in 0..5 {
                step();
            }
            allocations() - before
        })
        .min()
        .expect("three windows")
}

/// The counter is process-wide: the two tests must not run at once (the first one's child
/// processes are spawned with allocations of its own).
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A machine without shaped's kernels (products through matrixmultiply, which allocates
/// its packing buffers) cannot pass: say so loudly instead of passing by skipping, unless
/// `SHAPED_ALLOW_SKIP=1` says the run knows.
fn own_kernel_or_explain() -> bool {
    if shaped::ops::f32_kernel() != "matrixmultiply" {
        return true;
    }
    let allowed = std::env::var("SHAPED_ALLOW_SKIP").is_ok_and(|v| v == "1");
    assert!(
        allowed,
        "this machine has neither AVX-512 nor AVX2+FMA: the zero-allocation claim cannot be \
         checked here (products go through matrixmultiply). Set SHAPED_ALLOW_SKIP=1 to skip."
    );
    false
}

#[test]
fn every_kernel_of_this_machine_trains_without_allocating() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if std::env::var("SHAPED_KERNEL").is_ok() {
        return; // a child process: the other test does the work
    }
    let avx512 = std::arch::is_x86_feature_detected!("avx512f");
    let avx2 =
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma");
    let mut ran = Vec::new();
    for (kernel, present) in [("avx512", avx512), ("avx2", avx2)] {
        if !present || kernel == shaped::ops::f32_kernel() {
            continue; // the in-process test covers the default kernel
        }
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "warmed_up_training_steps_do_not_allocate",
                "--nocapture",
            ])
            .env("SHAPED_KERNEL", kernel)
            .status()
            .unwrap();
        assert!(
            status.success(),
            "the {kernel} kernel allocated during training steps"
        );
        ran.push(kernel);
    }
    eprintln!("zero-allocation check also ran with: {ran:?}");
}

#[test]
fn warmed_up_training_steps_do_not_allocate() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if !own_kernel_or_explain() {
        return;
    }
    if let Ok(wanted) = std::env::var("SHAPED_KERNEL") {
        assert_eq!(
            shaped::ops::f32_kernel(),
            wanted,
            "the requested kernel runs"
        );
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
        let allocations = steady_allocations(|| {
            model.train_step(&x, &y).unwrap();
        });
        assert_eq!(
            allocations, 0,
            "{threads} thread(s): 5 training steps allocated {allocations} times"
        );
    }
}

#[test]
fn warmed_up_convnet_steps_do_not_allocate() {
    use shaped::nn::{Conv2D, Flatten, MaxPooling2D};
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if !own_kernel_or_explain() {
        return;
    }
    type Images = Tensor<(usize, Dim<12>, Dim<12>, Dim<1>)>;
    let x = Images::random_uniform((16, Dim, Dim, Dim), 0.0, 1.0, 1);
    let y = Tensor::<(usize,), u8>::from_fn((16,), |[i]| (i % 10) as u8);
    let net = (
        Conv2D::<12, 12, 1, 10, 10, 8, 3, Relu>::new(0),
        MaxPooling2D::<10, 10, 8, 5, 5, 2>::new(),
        Conv2D::<5, 5, 8, 3, 3, 16, 3, Relu>::new(1),
        Flatten::<144>,
        Dense::<144, 10, Softmax>::new(2),
    );
    let mut model = Model::compile(
        net,
        RmsProp::default(),
        SparseCategoricalCrossentropy::default(),
        Accuracy::default(),
    );
    // Two threads: im2col, col2im and pooling split the batch's images over the pool.
    for threads in [1, 2] {
        shaped::ops::set_num_threads(threads);
        model.train_step(&x, &y).unwrap();
        model.train_step(&x, &y).unwrap();
        let allocations = steady_allocations(|| {
            model.train_step(&x, &y).unwrap();
        });
        assert_eq!(
            allocations, 0,
            "{threads} thread(s): 5 convnet steps allocated {allocations} times"
        );
    }
}
