//! MNIST digits classified on a Cortex-M4F: a net trained by shaped on a desktop, its
//! weights baked into flash by `include_net!` (checked against the declared layers when this
//! builds). One net per build, chosen by a cargo feature: `mlp-f32` (784 -> 64 relu -> 10
//! softmax), `mlp-int8` (the same, int8 weights and integer products), `mlp-bf16` (the
//! same, bf16 weights, f32 products) or `convnet` (two 3x3
//! convolutions with max pooling, then dense). Prints one predicted class per digit, the
//! accuracy and the stack the inference used (measured by painting), through semihosting;
//! exits 0 (QEMU's exit status) when it ran through.

#![no_std]
#![no_main]

use cortex_m_rt::{ExceptionFrame, entry, exception};
use cortex_m_semihosting::{debug, hprintln};
use panic_semihosting as _;
use shaped_embed::{Activations, FixedLayer, include_net};
#[allow(unused_imports)]
use shaped_embed::{Relu, Softmax};

#[cfg(feature = "mlp-f32")]
include_net! {
    /// The model, as the desktop's `(Dense<784, 64, Relu>, Dense<64, 10, Softmax>)`.
    type Net = (Dense<784, 64, Relu>, Dense<64, 10, Softmax>);
    static NET: Net = env!("SHAPED_WEIGHTS");
}
#[cfg(feature = "mlp-f32")]
const VARIANT: &str = "f32";

#[cfg(feature = "mlp-int8")]
include_net! {
    /// The same model with int8 weights (`examples/embed.rs --save-int8`).
    type Net = (Int8Dense<784, 64, Relu>, Int8Dense<64, 10, Softmax>);
    static NET: Net = env!("SHAPED_WEIGHTS_INT8");
}
#[cfg(feature = "mlp-int8")]
const VARIANT: &str = "int8";

#[cfg(feature = "mlp-bf16")]
include_net! {
    /// The same model with bf16 weights (`examples/embed.rs --save-bf16`).
    type Net = (Bf16Dense<784, 64, Relu>, Bf16Dense<64, 10, Softmax>);
    static NET: Net = env!("SHAPED_WEIGHTS_BF16");
}
#[cfg(feature = "mlp-bf16")]
const VARIANT: &str = "bf16";

#[cfg(feature = "convnet")]
include_net! {
    /// `examples/embed.rs --model convnet`'s small convnet.
    type Net = (
        Conv2D<28, 28, 1, 26, 26, 8, 3, Relu>,
        MaxPooling2D<26, 26, 8, 13, 13, 2>,
        Conv2D<13, 13, 8, 11, 11, 16, 3, Relu>,
        MaxPooling2D<11, 11, 16, 5, 5, 2>,
        Flatten<400>,
        Dense<400, 10, Softmax>,
    );
    static NET: Net = env!("SHAPED_CONVNET");
}
#[cfg(feature = "convnet")]
const VARIANT: &str = "convnet";

include!(concat!(env!("OUT_DIR"), "/digits.rs"));

/// Per digit: its label, then 784 pixels.
static DIGIT_DATA: &[u8; DIGITS * 785] = include_bytes!(concat!(env!("OUT_DIR"), "/digits.bin"));

/// One digit through the net: the input, the scratch buffer and the output all live in this
/// frame, so the stack measured around the call is everything inference needs.
#[inline(never)]
fn classify(pixels: &[u8]) -> usize {
    let mut x = <Net as FixedLayer>::Input::zeros();
    for (v, &p) in x.as_flat_mut().iter_mut().zip(pixels) {
        *v = p as f32 / 255.0;
    }
    let mut scratch = [0.0f32; <Net as FixedLayer>::SCRATCH];
    NET.classify(&x, &mut scratch).0
}

/// Stack high-water marks by painting: fill the free stack below the current stack pointer
/// with a pattern, run, and find the deepest word that changed.
mod stack {
    /// How far below the stack pointer to paint (more than any variant uses).
    const WINDOW: usize = 64 * 1024;
    const PATTERN: u32 = 0xA5A5_A5A5;

    /// `f`'s result and the bytes of stack it used.
    pub fn measure<R>(f: impl FnOnce() -> R) -> (R, usize) {
        let top = cortex_m::register::msp::read() as usize;
        let bottom = top - WINDOW;
        let mut at = bottom;
        while at < top - 64 {
            // SAFETY: bottom..top - 64 is free stack (below the stack pointer, far above the
            // statics: RAM is 4 MiB and the statics take a few KB), word-aligned because the
            // stack pointer is; nothing else runs (no interrupts are enabled).
            unsafe { core::ptr::write_volatile(at as *mut u32, PATTERN) };
            at += 4;
        }
        let result = f();
        let mut at = bottom;
        // SAFETY: reads of the same words just painted.
        while at < top && unsafe { core::ptr::read_volatile(at as *const u32) } == PATTERN {
            at += 4;
        }
        (result, top - at)
    }
}

#[entry]
fn main() -> ! {
    let mut correct = 0;
    let mut stack_peak = 0;
    for (i, digit) in DIGIT_DATA.chunks_exact(785).enumerate() {
        let (class, used) = stack::measure(|| classify(&digit[1..]));
        stack_peak = stack_peak.max(used);
        correct += (class == digit[0] as usize) as usize;
        hprintln!("{} {}: {}", VARIANT, i, class);
    }
    // Four decimals without float formatting (which would add kilobytes of code).
    let per_10k = (correct * 10_000 + DIGITS / 2) / DIGITS.max(1);
    hprintln!(
        "firmware {}: accuracy {}.{:04} on {} digits",
        VARIANT,
        per_10k / 10_000,
        per_10k % 10_000,
        DIGITS
    );
    hprintln!("stack_bytes: {}", stack_peak);
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
