//! MNIST digits classified on a Cortex-M4F: the chapter's 784 -> 512 relu -> 10 softmax
//! network, trained by shaped on a desktop, its weights baked into flash at build time and
//! checked against the model below. Prints one predicted class per digit, then the accuracy,
//! through semihosting; exits 0 (QEMU's exit status) when it ran through.

#![no_std]
#![no_main]

use cortex_m_rt::{ExceptionFrame, entry, exception};
use cortex_m_semihosting::{debug, hprintln};
use panic_semihosting as _;
use shaped_embed::{FixedDense, FixedMlp, Int8Dense, Int8Mlp, Relu, Softmax};

mod weights {
    include!(concat!(env!("OUT_DIR"), "/weights.rs"));
}
mod weights_int8 {
    include!(concat!(env!("OUT_DIR"), "/weights_int8.rs"));
}
include!(concat!(env!("OUT_DIR"), "/digits.rs"));

/// Per digit: its label, then 784 pixels.
static DIGIT_DATA: &[u8; DIGITS * 785] = include_bytes!(concat!(env!("OUT_DIR"), "/digits.bin"));

/// The model: the same types as the desktop's `(Dense<784, 512, Relu>, Dense<512, 10,
/// Softmax>)`; a weights file of other shapes does not build.
static NET: FixedMlp<'static, 784, 512, 10, Relu, Softmax> = FixedMlp::new(
    FixedDense::new(&weights::_0_KERNEL, &weights::_0_BIAS),
    FixedDense::new(&weights::_1_KERNEL, &weights::_1_BIAS),
);

/// The same model with int8 weights (4x smaller) and integer products.
static NET_INT8: Int8Mlp<'static, 784, 512, 10, Relu, Softmax> = Int8Mlp::new(
    Int8Dense::new(
        &weights_int8::_0_KERNEL,
        &weights_int8::_0_KERNEL_SCALE,
        &weights_int8::_0_BIAS,
        weights_int8::_0_INPUT_SCALE,
    ),
    Int8Dense::new(
        &weights_int8::_1_KERNEL,
        &weights_int8::_1_KERNEL_SCALE,
        &weights_int8::_1_BIAS,
        weights_int8::_1_INPUT_SCALE,
    ),
);

/// Classifies every digit with `classify`, printing `<variant> <i>: <class>` lines and the
/// accuracy.
fn run(variant: &str, classify: impl Fn(&[f32; 784]) -> usize) {
    let mut x = [0.0f32; 784];
    let mut correct = 0;
    for (i, digit) in DIGIT_DATA.chunks_exact(785).enumerate() {
        for (v, &p) in x.iter_mut().zip(&digit[1..]) {
            *v = p as f32 / 255.0;
        }
        let class = classify(&x);
        correct += (class == digit[0] as usize) as usize;
        hprintln!("{} {}: {}", variant, i, class);
    }
    // Four decimals without float formatting (which would add kilobytes of code).
    let per_10k = (correct * 10_000 + DIGITS / 2) / DIGITS.max(1);
    hprintln!(
        "firmware {}: accuracy {}.{:04} on {} digits",
        variant,
        per_10k / 10_000,
        per_10k % 10_000,
        DIGITS
    );
}

#[entry]
fn main() -> ! {
    run("f32", |x| NET.classify(x).0);
    run("int8", |x| NET_INT8.classify(x).0);
    debug::exit(debug::EXIT_SUCCESS);
    loop {}
}

#[exception]
unsafe fn HardFault(_frame: &ExceptionFrame) -> ! {
    // Exit with failure instead of hanging, so that CI sees the fault.
    hprintln!("hard fault");
    debug::exit(debug::EXIT_FAILURE);
    loop {}
}
