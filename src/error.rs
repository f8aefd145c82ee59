//! One error type for the crate: shape, loss, data, io and training errors, each still
//! matchable, so `?` works across shaped's functions.

use core::fmt;

use crate::data::DataError;
#[cfg(feature = "io")]
use crate::io::IoError;
use crate::nn::loss::LossError;
use crate::shapes::ShapeError;

/// Any error shaped reports.
///
/// ```
/// use shaped::{Dim, Error, Tensor};
/// fn first_rows(x: &Tensor<(usize, Dim<3>)>) -> Result<f32, Error> {
///     let rows = x.try_rows(0..2)?; // a ShapeError converts with `?`
///     Ok(rows.sum())
/// }
/// let x = Tensor::<(usize, Dim<3>)>::ones((1, Dim));
/// assert!(matches!(first_rows(&x), Err(Error::Shape(_))));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Runtime dims disagree, or a shape is too large.
    Shape(ShapeError),
    /// Targets a loss or metric cannot use (a label out of range).
    Targets(LossError),
    /// A data file (IDX, MNIST) that could not be read or is invalid.
    Data(DataError),
    /// A weights or checkpoint file that could not be saved or loaded.
    #[cfg(feature = "io")]
    Io(IoError),
    /// A dataset file that could not be downloaded with the right checksum.
    #[cfg(feature = "download")]
    Download(crate::datasets::DownloadError),
    /// A configuration that cannot run (`batch_size: 0`, no samples, ...).
    Config(String),
    /// The training loss became NaN or infinite: the run diverged.
    Diverged {
        /// The epoch (counted from 1, as the progress line shows it).
        epoch: usize,
        /// The batch within the epoch (counted from 1).
        batch: usize,
        /// The batch's loss.
        loss: f64,
    },
    /// A tensor that must be finite holds NaN or an infinity.
    NonFinite {
        /// What holds it (a tensor or parameter name).
        what: String,
        /// The flat index of the first such element.
        index: usize,
        /// That element.
        value: f64,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Shape(e) => e.fmt(f),
            Error::Targets(e) => e.fmt(f),
            Error::Data(e) => e.fmt(f),
            #[cfg(feature = "io")]
            Error::Io(e) => e.fmt(f),
            #[cfg(feature = "download")]
            Error::Download(e) => e.fmt(f),
            Error::Config(reason) => write!(f, "invalid configuration: {reason}"),
            Error::Diverged { epoch, batch, loss } => write!(
                f,
                "training diverged: the loss is {loss} at epoch {epoch}, batch {batch} \
                 (lower the learning rate, or set FitConfig::terminate_on_nan to false to go on)"
            ),
            Error::NonFinite { what, index, value } => {
                write!(f, "{what} holds {value} at element {index}")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Shape(e) => Some(e),
            Error::Targets(e) => Some(e),
            Error::Data(e) => Some(e),
            #[cfg(feature = "io")]
            Error::Io(e) => Some(e),
            #[cfg(feature = "download")]
            Error::Download(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ShapeError> for Error {
    fn from(e: ShapeError) -> Self {
        Error::Shape(e)
    }
}

impl From<LossError> for Error {
    fn from(e: LossError) -> Self {
        match e {
            LossError::Shape(e) => Error::Shape(e),
            e => Error::Targets(e),
        }
    }
}

impl From<DataError> for Error {
    fn from(e: DataError) -> Self {
        Error::Data(e)
    }
}

#[cfg(feature = "io")]
impl From<IoError> for Error {
    fn from(e: IoError) -> Self {
        Error::Io(e)
    }
}

/// The first non-finite value of `values`, as `(index, value)`.
pub(crate) fn first_non_finite<E: num_traits::Float>(values: &[E]) -> Option<(usize, f64)> {
    // The common all-finite case stays a fast, vectorisable pass.
    if values.iter().all(|x| x.is_finite()) {
        return None;
    }
    values
        .iter()
        .position(|x| !x.is_finite())
        .map(|i| (i, values[i].to_f64().unwrap_or(f64::NAN)))
}

/// The first parameter of `model` holding NaN or an infinity: `(name, index, value)`.
pub(crate) fn first_non_finite_param<M: crate::nn::Params<E>, E: crate::tensor::Float>(
    model: &M,
) -> Option<(String, usize, f64)> {
    let mut found = None;
    model.visit("", &mut |name, values, _| {
        if found.is_none()
            && let Some((index, value)) = first_non_finite(values)
        {
            found = Some((name.to_string(), index, value));
        }
    });
    found
}
