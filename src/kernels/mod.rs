//! The kernels layer: every `unsafe` block of the crate lives here, below `tensor`.
//!
//! * [`gemm`]: the safe entry to matrix products. It checks every operand's extent with
//!   checked arithmetic, splits large products over the pool and dispatches through the
//!   sealed [`GemmElement`] trait to shaped's f32 kernels or to matrixmultiply.
//! * `gemv`: one row times a matrix (a Dense layer on one sample), split by columns.
//! * `sgemm`: the blocked f32 product (packing, the narrow path); its micro-kernels are in
//!   `avx512` and `avx2`, chosen at run time.
//! * `pool`: the persistent worker threads; `update`: element-wise updates split over them;
//!   `chunks`: independent pieces of one output (a batch's images) split over them.
//! * `probe`: the machine's peak FMA throughput, for benchmarks' efficiency figures.
//! * `wide`: plain loops (pooling) compiled for the widest vector unit the CPU has.
//! * `aligned`: storage from a cache-line boundary (every tensor's values, fixed-size
//!   weights).
//!
//! Everything above this module is `#![deny(unsafe_code)]`. `scripts/sanitize.sh` runs
//! these modules' tests under Miri and the whole suite under AddressSanitizer.

#![allow(unsafe_code)]

mod aligned;
mod avx2;
mod avx512;
mod chunks;
mod gemm;
mod gemv;
mod pool;
mod probe;
mod sgemm;
mod update;
mod wide;

pub(crate) use aligned::AlignedVec;
pub use aligned::{CacheAligned, Zeroable};
pub(crate) use chunks::{par_chunks, par_rows};
pub use gemm::GemmElement;
pub(crate) use gemm::{Mat, gemm};
pub(crate) use pool::run as par_for;
pub use pool::{num_threads, set_num_threads};
pub use probe::peak_gflops;
pub(crate) use sgemm::kernel_name;
pub(crate) use update::par_update;
pub(crate) use wide::widest;
