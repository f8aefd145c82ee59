//! The [`Tensor`] type: a shape that lives in the type, and contiguous row-major data.

mod create;
mod display;
mod dtype;
mod random;
mod view;

pub use dtype::{Dtype, Float};
pub use view::{AsView, TensorView};

use crate::kernels::AlignedVec;
use crate::shapes::{Shape, ShapeError};

/// An n-dimensional array whose shape `S` is part of its type.
///
/// `S` is a tuple of dims: [`Dim<N>`](crate::Dim) for sizes the compiler knows, `usize`
/// for sizes known at run time. `E` is the element type (`f32` by default).
///
/// The elements are contiguous and row-major; from 4 KB on they start a 64-byte cache line
/// (as PyTorch's CPU tensors do), so that the SIMD kernels read each row of a weight matrix
/// a whole line at a time.
///
/// ```
/// use shaped::{Dim, Tensor};
/// let x = Tensor::<(Dim<2>, Dim<3>)>::from([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]);
/// assert_eq!(x.ndim(), 2);
/// assert_eq!(x.shape_dims(), [2, 3]);
/// assert_eq!(x.dtype(), "float32");
/// assert_eq!(x[[1, 2]], 6.0);
/// ```
#[derive(Clone, PartialEq)]
pub struct Tensor<S: Shape, E: Dtype = f32> {
    shape: S,
    data: AlignedVec<E>,
}

impl<S: Shape, E: Dtype> Tensor<S, E> {
    /// Wraps data whose length is already known to match the shape. Checked in every
    /// build: the kernels' bounds arguments start from this invariant.
    #[track_caller]
    pub(crate) fn from_parts(shape: S, data: AlignedVec<E>) -> Self {
        assert!(
            shape.try_numel() == Some(data.len()),
            "internal: {} elements for shape {:?}",
            data.len(),
            shape.dims().as_ref()
        );
        Tensor { shape, data }
    }

    /// Gives the tensor another shape of the same type, keeping its allocation when it is
    /// large enough (buffers reused across training steps whose batch size varies).
    /// Contents are unspecified afterwards. Panics when the shape is too large for memory.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let mut buffer = Tensor::<(usize, Dim<4>)>::zeros((128, Dim));
    /// buffer.set_shape((96, Dim)); // the last, shorter batch: no new allocation
    /// assert_eq!(buffer.shape_dims(), [96, 4]);
    /// ```
    #[track_caller]
    pub fn set_shape(&mut self, shape: S) {
        self.data.resize(shape.numel(), E::zero());
        self.shape = shape;
    }

    /// The rank (numpy's `ndim`).
    pub fn ndim(&self) -> usize {
        S::NDIM
    }

    /// The shape value (a tuple of dims).
    pub fn shape(&self) -> S {
        self.shape
    }

    /// The sizes of all axes (numpy's `shape`).
    pub fn shape_dims(&self) -> S::Dims {
        self.shape.dims()
    }

    /// The element type's numpy name (numpy's `dtype`).
    pub fn dtype(&self) -> &'static str {
        E::NAME
    }

    /// Number of elements (numpy's `size`).
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// `true` when some axis has size 0.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The elements in row-major order.
    pub fn as_slice(&self) -> &[E] {
        &self.data
    }

    /// The elements in row-major order, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [E] {
        &mut self.data
    }

    /// The elements in a `Vec`, in row-major order. A copy: a tensor keeps its elements
    /// from the start of a cache line, which a `Vec` cannot promise.
    pub fn into_vec(self) -> Vec<E> {
        self.data.to_vec()
    }

    /// The elements' storage, moved out (reshaping keeps it).
    pub(crate) fn into_storage(self) -> AlignedVec<E> {
        self.data
    }

    /// The size of the first axis (the batch size for batched tensors).
    pub fn batch_size(&self) -> usize {
        self.shape.dims().as_ref().first().copied().unwrap_or(1)
    }

    /// Returns the same data under a shape that names a runtime dim statically, or the
    /// reverse; checked: the sizes must agree.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let batch = Tensor::<(usize, Dim<3>)>::zeros((4, Dim));
    /// let fixed = batch.try_into_shape::<(Dim<4>, Dim<3>)>().unwrap();
    /// assert_eq!(fixed.shape_dims(), [4, 3]);
    /// ```
    pub fn try_into_shape<Dst: Shape>(self) -> Result<Tensor<Dst, E>, ShapeError> {
        let dims = self.shape.dims();
        let shape = match Dst::from_dims(dims.as_ref()) {
            Some(s) => s,
            None => {
                let wanted: Vec<usize> = (0..Dst::NDIM)
                    .map(|i| match Dst::STATIC_DIMS[i] {
                        crate::shapes::RUNTIME => dims.as_ref().get(i).copied().unwrap_or(0),
                        n => n,
                    })
                    .collect();
                return Err(
                    ShapeError::incompatible("into_shape", dims.as_ref(), &wanted)
                        .with_detail("a static dim differs from the runtime size"),
                );
            }
        };
        Ok(Tensor {
            shape,
            data: self.data,
        })
    }

    /// Panicking form of [`try_into_shape`](Self::try_into_shape).
    #[track_caller]
    pub fn into_shape<Dst: Shape>(self) -> Tensor<Dst, E> {
        match self.try_into_shape() {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        }
    }

    /// Flat index of a multi-index, or `None` when out of bounds.
    fn flat_index(&self, index: &[usize]) -> Option<usize> {
        let dims = self.shape.dims();
        if index.len() != S::NDIM {
            return None;
        }
        let mut flat = 0;
        for (&i, &d) in index.iter().zip(dims.as_ref()) {
            if i >= d {
                return None;
            }
            flat = flat * d + i;
        }
        Some(flat)
    }

    /// The element at a multi-index, or `None` when out of bounds.
    pub fn get(&self, index: S::Dims) -> Option<&E> {
        self.flat_index(index.as_ref()).map(|i| &self.data[i])
    }

    /// The element at a multi-index, mutably.
    pub fn get_mut(&mut self, index: S::Dims) -> Option<&mut E> {
        self.flat_index(index.as_ref()).map(|i| &mut self.data[i])
    }
}

impl<S: Shape, E: Dtype> core::ops::Index<S::Dims> for Tensor<S, E> {
    type Output = E;
    #[track_caller]
    fn index(&self, index: S::Dims) -> &E {
        match self.flat_index(index.as_ref()) {
            Some(i) => &self.data[i],
            None => panic!(
                "index {:?} is out of bounds for shape {:?}",
                index.as_ref(),
                self.shape.dims().as_ref()
            ),
        }
    }
}

impl<S: Shape, E: Dtype> core::ops::IndexMut<S::Dims> for Tensor<S, E> {
    #[track_caller]
    fn index_mut(&mut self, index: S::Dims) -> &mut E {
        let dims = self.shape.dims();
        match self.flat_index(index.as_ref()) {
            Some(i) => &mut self.data[i],
            None => panic!(
                "index {:?} is out of bounds for shape {:?}",
                index.as_ref(),
                dims.as_ref()
            ),
        }
    }
}

impl<E: Dtype> Tensor<(), E> {
    /// The value of a rank-0 tensor.
    pub fn item(&self) -> E {
        self.data[0]
    }
}
