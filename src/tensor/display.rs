//! numpy-like printing: nested brackets, aligned columns, `...` for large tensors.

use core::fmt;

use super::{Dtype, Tensor};
use crate::shapes::{Shape, fmt_dims};

/// Above this many elements, print only the first and last `EDGE` items of each axis.
const THRESHOLD: usize = 1000;
const EDGE: usize = 3;

fn is_float<E: Dtype>() -> bool {
    E::NAME.starts_with("float")
}

/// numpy's names for the special values.
fn special(x: f64) -> Option<&'static str> {
    if x.is_nan() {
        Some("nan")
    } else if x == f64::INFINITY {
        Some("inf")
    } else if x == f64::NEG_INFINITY {
        Some("-inf")
    } else {
        None
    }
}

/// The cells of a float tensor as numpy prints them (`floatmode="maxprec"`): each value's
/// shortest round-trip digits, the decimal points aligned (integer parts right-aligned,
/// fractions left-aligned and padded with spaces), or scientific notation when the
/// magnitudes call for it (numpy's rule: some |x| >= 1e8, or some non-zero |x| < 1e-4,
/// or a max/min ratio above 1e3).
fn float_cells<E: Dtype>(values: &[E]) -> Vec<String> {
    let xs: Vec<f64> = values
        .iter()
        .map(|x| x.to_f64().unwrap_or(f64::NAN))
        .collect();
    let finite: Vec<f64> = xs
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .map(f64::abs)
        .collect();
    let max = finite.iter().copied().fold(0.0, f64::max);
    let min = finite
        .iter()
        .copied()
        .filter(|&x| x > 0.0)
        .fold(f64::INFINITY, f64::min);
    let scientific = max >= 1e8 || (min < 1e-4) || (min.is_finite() && max / min > 1e3);
    // The shortest digits of the element type (f32 prints as f32), as Rust's Display does.
    let digits: Vec<Option<String>> = values
        .iter()
        .zip(&xs)
        .map(|(v, &x)| {
            special(x).is_none().then(|| {
                let shortest = format!("{v}");
                if scientific {
                    // The element type's shortest digits, re-read as f64, in e-notation.
                    format!("{:e}", shortest.parse::<f64>().unwrap_or(x))
                } else {
                    shortest
                }
            })
        })
        .collect();
    if scientific {
        return digits
            .iter()
            .zip(&xs)
            .map(|(d, &x)| {
                d.clone()
                    .unwrap_or_else(|| special(x).unwrap_or("").to_string())
            })
            .collect();
    }
    let split = |d: &str| -> (String, String) {
        match d.split_once('.') {
            Some((int, frac)) => (int.to_string(), frac.to_string()),
            None => (d.to_string(), String::new()),
        }
    };
    let parts: Vec<Option<(String, String)>> =
        digits.iter().map(|d| d.as_deref().map(split)).collect();
    let left = parts
        .iter()
        .flatten()
        .map(|(i, _)| i.len())
        .max()
        .unwrap_or(0);
    let right = parts
        .iter()
        .flatten()
        .map(|(_, f)| f.len())
        .max()
        .unwrap_or(0);
    parts
        .iter()
        .zip(&xs)
        .map(|(p, &x)| match p {
            Some((int, frac)) => format!("{int:>left$}.{frac:<right$}"),
            None => format!("{:>w$}", special(x).unwrap_or(""), w = left + 1 + right),
        })
        .collect()
}

/// A rank-0 float as numpy prints it: Python's float repr (`12.0`, `0.1`, `nan`).
fn scalar_float<E: Dtype>(x: E) -> String {
    let v = x.to_f64().unwrap_or(f64::NAN);
    if let Some(s) = special(v) {
        return s.to_string();
    }
    let s = format!("{x}");
    if s.contains(['.', 'e']) {
        s
    } else {
        format!("{s}.0")
    }
}

struct Printer<'a, E> {
    dims: &'a [usize],
    strides: Vec<usize>,
    cells: Vec<String>,
    width: usize,
    summarize: bool,
    _e: core::marker::PhantomData<E>,
}

impl<E> Printer<'_, E> {
    fn indices(&self, axis: usize) -> Vec<Option<usize>> {
        let n = self.dims[axis];
        if self.summarize && n > 2 * EDGE {
            (0..EDGE)
                .map(Some)
                .chain([None])
                .chain((n - EDGE..n).map(Some))
                .collect()
        } else {
            (0..n).map(Some).collect()
        }
    }

    fn write(&self, f: &mut fmt::Formatter<'_>, axis: usize, offset: usize) -> fmt::Result {
        let rank = self.dims.len();
        if axis == rank {
            return write!(f, "{:>w$}", self.cells[offset], w = self.width);
        }
        f.write_str("[")?;
        for (k, i) in self.indices(axis).into_iter().enumerate() {
            if k > 0 {
                if axis + 1 == rank {
                    f.write_str(" ")?;
                } else {
                    f.write_str(&"\n".repeat(rank - axis - 1))?;
                    f.write_str(&" ".repeat(axis + 1))?;
                }
            }
            match i {
                Some(i) => self.write(f, axis + 1, offset + i * self.strides[axis])?,
                None => f.write_str("...")?,
            }
        }
        f.write_str("]")
    }
}

impl<S: Shape, E: Dtype> fmt::Display for Tensor<S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dims = self.shape().dims();
        let strides = self.shape().strides();
        if S::NDIM == 0 && is_float::<E>() {
            return f.write_str(&scalar_float(self.as_slice()[0]));
        }
        let cells: Vec<String> = if is_float::<E>() {
            float_cells(self.as_slice())
        } else {
            self.as_slice().iter().map(|x| x.to_string()).collect()
        };
        let width = cells.iter().map(String::len).max().unwrap_or(0);
        let printer = Printer::<E> {
            dims: dims.as_ref(),
            strides: strides.as_ref().to_vec(),
            cells,
            width,
            summarize: self.len() > THRESHOLD,
            _e: core::marker::PhantomData,
        };
        printer.write(f, 0, 0)
    }
}

impl<S: Shape, E: Dtype> fmt::Debug for Tensor<S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Tensor(shape={}, dtype={}, {})",
            fmt_dims(self.shape().dims().as_ref()),
            E::NAME,
            self
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::{Dim, Tensor};

    #[test]
    fn prints_like_numpy() {
        // Expected strings are numpy 2.4's `str(...)` of the same float32 arrays.
        let x = Tensor::<(Dim<2>, Dim<3>)>::from([[1.0, 2.5, -3.0], [4.0, 5.0, 6.0]]);
        assert_eq!(x.to_string(), "[[ 1.   2.5 -3. ]\n [ 4.   5.   6. ]]");
        let s = Tensor::<()>::scalar(12.0);
        assert_eq!(s.to_string(), "12.0");
        assert_eq!(Tensor::<()>::scalar(0.1).to_string(), "0.1");
        let v = Tensor::<(Dim<3>,), u8>::from([1, 20, 3]);
        assert_eq!(v.to_string(), "[ 1 20  3]");
        let c = Tensor::<(Dim<2>, Dim<1>, Dim<2>), i32>::from([[[1, 2]], [[3, 4]]]);
        assert_eq!(c.to_string(), "[[[1 2]]\n\n [[3 4]]]");
        // np.array([0.5, -0.25, 100.125], dtype=np.float32)
        let f = Tensor::<(Dim<3>,)>::from([0.5, -0.25, 100.125]);
        assert_eq!(f.to_string(), "[  0.5    -0.25  100.125]");
        // np.array([1.0, np.nan, -np.inf], dtype=np.float32)
        let n = Tensor::<(Dim<3>,)>::from([1.0, f32::NAN, f32::NEG_INFINITY]);
        assert_eq!(n.to_string(), "[  1.  nan -inf]");
    }

    #[test]
    fn summarizes_large_tensors() {
        let x = Tensor::<(Dim<2000>,), i32>::from_fn(Default::default(), |[i]| i as i32);
        assert_eq!(x.to_string(), "[   0    1    2 ... 1997 1998 1999]");
    }
}
