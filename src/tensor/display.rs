//! numpy-like printing: nested brackets, aligned columns, `...` for large tensors.

use core::fmt;

use super::{Dtype, Tensor};
use crate::shapes::{Shape, fmt_dims};

/// Above this many elements, print only the first and last `EDGE` items of each axis.
const THRESHOLD: usize = 1000;
const EDGE: usize = 3;

fn format_elem<E: Dtype>(x: E) -> String {
    let s = format!("{x}");
    let is_float = E::NAME.starts_with("float");
    if is_float && !s.contains(['.', 'e', 'N', 'i']) {
        format!("{s}.")
    } else {
        s
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
        let cells: Vec<String> = self.as_slice().iter().map(|&x| format_elem(x)).collect();
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
        let x = Tensor::<(Dim<2>, Dim<3>)>::from([[1.0, 2.5, -3.0], [4.0, 5.0, 6.0]]);
        assert_eq!(x.to_string(), "[[ 1. 2.5 -3.]\n [ 4.  5.  6.]]");
        let s = Tensor::<()>::scalar(12.0);
        assert_eq!(s.to_string(), "12.");
        let v = Tensor::<(Dim<3>,), u8>::from([1, 20, 3]);
        assert_eq!(v.to_string(), "[ 1 20  3]");
        let c = Tensor::<(Dim<2>, Dim<1>, Dim<2>), i32>::from([[[1, 2]], [[3, 4]]]);
        assert_eq!(c.to_string(), "[[[1 2]]\n\n [[3 4]]]");
    }

    #[test]
    fn summarizes_large_tensors() {
        let x = Tensor::<(Dim<2000>,), i32>::from_fn(Default::default(), |[i]| i as i32);
        assert_eq!(x.to_string(), "[   0    1    2 ... 1997 1998 1999]");
    }
}
