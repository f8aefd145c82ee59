//! Slicing: static bounds that keep static sizes, and runtime windows for batches.

use crate::kernels::AlignedVec;
use core::ops::Range;

use crate::kernels::par_chunks;
use crate::shapes::rules::HasAxis;
use crate::shapes::{Dim, Shape, ShapeError, checked_len, checked_numel, checks};
use crate::tensor::{Dtype, Tensor};

use super::binary::unwrap_shape;

/// Copies `start..start + len` along `axis` into a tensor of shape `O`.
fn copy_range<S: Shape, O: Shape, E: Dtype>(
    op: &'static str,
    t: &Tensor<S, E>,
    axis: usize,
    start: usize,
    len: usize,
) -> Result<Tensor<O, E>, ShapeError> {
    let dims = t.shape_dims();
    let dims = dims.as_ref();
    let mut out_dims = dims.to_vec();
    out_dims[axis] = len;
    let in_bounds = start.checked_add(len).is_some_and(|end| end <= dims[axis]);
    let shape = O::from_dims(&out_dims).filter(|_| in_bounds);
    let Some(shape) = shape else {
        let end = start.saturating_add(len);
        return Err(
            ShapeError::incompatible(op, dims, &out_dims).with_detail(format!(
                "range {start}..{end} on axis {axis} of size {}",
                dims[axis]
            )),
        );
    };
    // The output holds at most the input's elements, so these counts fit; when it is
    // empty, the loop below must not run `outer` times for nothing.
    let count = checked_numel(&out_dims).expect("a slice of an existing tensor");
    if count == 0 {
        return Ok(Tensor::from_parts(shape, AlignedVec::new()));
    }
    let outer = checked_numel(&dims[..axis]).expect("part of an existing tensor");
    let inner = checked_numel(&dims[axis + 1..]).expect("part of an existing tensor");
    let n = dims[axis];
    let data = t.as_slice();
    let mut out = AlignedVec::with_capacity(count);
    for o in 0..outer {
        let base = (o * n + start) * inner;
        out.extend_from_slice(&data[base..base + len * inner]);
    }
    Ok(Tensor::from_parts(shape, out))
}

impl<S: Shape, E: Dtype> Tensor<S, E> {
    /// The slice `START..START + LEN` of axis `AXIS`, keeping a static size `LEN`.
    /// Bounds on a static axis are checked when the program is built.
    ///
    /// numpy's `train_images[10:100]` is `narrow::<0, 10, 90>()`, `[:, 14:, 14:]` is
    /// `narrow::<1, 14, 14>().narrow::<2, 14, 14>()`.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let images = Tensor::<(Dim<100>, Dim<28>, Dim<28>), u8>::zeros(Default::default());
    /// let centre = images.narrow::<1, 7, 14>().narrow::<2, 7, 14>(); // [:, 7:-7, 7:-7]
    /// assert_eq!(centre.shape_dims(), [100, 14, 14]);
    /// ```
    #[track_caller]
    pub fn narrow<const AXIS: usize, const START: usize, const LEN: usize>(
        &self,
    ) -> Tensor<S::Replaced<Dim<LEN>>, E>
    where
        S: HasAxis<AXIS>,
    {
        // The check sits here as well as in `try_narrow`, so that an error names the
        // caller's line (a post-monomorphization error points at the innermost call).
        const { checks::ok(checks::narrow::<S>(AXIS, START, LEN)) };
        unwrap_shape(copy_range("narrow", self, AXIS, START, LEN))
    }

    /// [`narrow`](Self::narrow) on a runtime axis: `Err` when the range does not fit.
    pub fn try_narrow<const AXIS: usize, const START: usize, const LEN: usize>(
        &self,
    ) -> Result<Tensor<S::Replaced<Dim<LEN>>, E>, ShapeError>
    where
        S: HasAxis<AXIS>,
    {
        const { checks::ok(checks::narrow::<S>(AXIS, START, LEN)) };
        copy_range("narrow", self, AXIS, START, LEN)
    }

    /// Rows `range` of the first axis, a runtime-sized batch: numpy's
    /// `train_images[128 * n:128 * (n + 1)]` with checked bounds.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let x = Tensor::<(Dim<300>, Dim<4>)>::zeros(Default::default());
    /// let batch = x.try_rows(256..300).unwrap();
    /// assert_eq!(batch.shape_dims(), [44, 4]);
    /// let err = x.try_rows(256..384).unwrap_err();
    /// assert_eq!(err.to_string(), "rows: incompatible shapes [300, 4] and [128, 4] (range 256..384 on axis 0 of size 300)");
    /// ```
    pub fn try_rows(&self, range: Range<usize>) -> Result<Tensor<S::Replaced<usize>, E>, ShapeError>
    where
        S: HasAxis<0>,
    {
        if range.end < range.start {
            let mut wanted = self.shape_dims();
            wanted.as_mut()[0] = 0;
            return Err(ShapeError::incompatible(
                "rows",
                self.shape_dims().as_ref(),
                wanted.as_ref(),
            )
            .with_detail(format!(
                "range {}..{} ends before it starts",
                range.start, range.end
            )));
        }
        copy_range("rows", self, 0, range.start, range.end - range.start)
    }

    /// Panicking form of [`try_rows`](Self::try_rows).
    #[track_caller]
    pub fn rows(&self, range: Range<usize>) -> Tensor<S::Replaced<usize>, E>
    where
        S: HasAxis<0>,
    {
        unwrap_shape(self.try_rows(range))
    }

    /// Batch number `n` of size `size` along the first axis; the last batch is shorter
    /// (the chapter's `BatchGenerator`). `Err` when batch `n` starts past the end.
    pub fn try_batch(
        &self,
        n: usize,
        size: usize,
    ) -> Result<Tensor<S::Replaced<usize>, E>, ShapeError>
    where
        S: HasAxis<0>,
    {
        let total = self.batch_size();
        let start = n.saturating_mul(size);
        let end = start.saturating_add(size).min(total);
        if start >= total || size == 0 {
            let mut wanted = self.shape_dims().as_ref().to_vec();
            wanted[0] = size;
            return Err(
                ShapeError::incompatible("batch", self.shape_dims().as_ref(), &wanted)
                    .with_detail(format!("batch {n} of size {size} starts past the end")),
            );
        }
        self.try_rows(start..end)
    }

    /// A window of static size `LEN` starting at a runtime offset along the first axis:
    /// a fixed-size batch. `Err` when it does not fit.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let x = Tensor::<(usize, Dim<784>)>::zeros((1000, Dim));
    /// let batch = x.try_window::<128>(128 * 3).unwrap();
    /// assert_eq!(batch.shape_dims(), [128, 784]);
    /// assert!(x.try_window::<128>(900).is_err());
    /// ```
    pub fn try_window<const LEN: usize>(
        &self,
        start: usize,
    ) -> Result<Tensor<S::Replaced<Dim<LEN>>, E>, ShapeError>
    where
        S: HasAxis<0>,
    {
        const { checks::ok(checks::narrow::<S>(0, 0, LEN)) };
        copy_range("window", self, 0, start, LEN)
    }

    /// Panicking form of [`try_window`](Self::try_window).
    #[track_caller]
    pub fn window<const LEN: usize>(&self, start: usize) -> Tensor<S::Replaced<Dim<LEN>>, E>
    where
        S: HasAxis<0>,
    {
        const { checks::ok(checks::narrow::<S>(0, 0, LEN)) };
        unwrap_shape(copy_range("window", self, 0, start, LEN))
    }

    /// Element `i` of the first axis, a tensor of rank one less (numpy's `x[i]`).
    pub fn try_at(&self, i: usize) -> Result<Tensor<S::Removed, E>, ShapeError>
    where
        S: HasAxis<0>,
    {
        let row: Tensor<S::Replaced<Dim<1>>, E> = copy_range("at", self, 0, i, 1)?;
        let dims = row.shape_dims();
        let shape = S::Removed::from_dims(&dims.as_ref()[1..]).expect("removed the first axis");
        Ok(Tensor::from_parts(shape, row.into_storage()))
    }

    /// Panicking form of [`try_at`](Self::try_at).
    #[track_caller]
    pub fn at(&self, i: usize) -> Tensor<S::Removed, E>
    where
        S: HasAxis<0>,
    {
        unwrap_shape(self.try_at(i))
    }

    /// The rows at `indices` of the first axis, in that order (a shuffled batch).
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let x = Tensor::<(usize, Dim<2>)>::from_fn((3, Dim), |[i, j]| (10 * i + j) as f32);
    /// assert_eq!(x.try_select_rows(&[2, 0]).unwrap().as_slice(), &[20.0, 21.0, 0.0, 1.0]);
    /// assert!(x.try_select_rows(&[3]).is_err());
    /// ```
    pub fn try_select_rows(
        &self,
        indices: &[usize],
    ) -> Result<Tensor<S::Replaced<usize>, E>, ShapeError>
    where
        S: HasAxis<0>,
    {
        let mut empty = self.shape_dims();
        empty.as_mut()[0] = 0;
        let shape =
            <S::Replaced<usize>>::from_dims(empty.as_ref()).expect("only the first dim changed");
        let mut out = Tensor::from_parts(shape, AlignedVec::new());
        self.try_select_rows_into(indices, &mut out)?;
        Ok(out)
    }

    /// [`try_select_rows`](Self::try_select_rows) into a reused tensor (no allocation once
    /// `out` is large enough).
    pub fn try_select_rows_into(
        &self,
        indices: &[usize],
        out: &mut Tensor<S::Replaced<usize>, E>,
    ) -> Result<(), ShapeError>
    where
        S: HasAxis<0>,
    {
        let dims = self.shape_dims();
        let dims = dims.as_ref();
        let mut out_dims = [0usize; crate::shapes::MAX_RANK];
        out_dims[..dims.len()].copy_from_slice(dims);
        out_dims[0] = indices.len();
        let out_dims = &out_dims[..dims.len()];
        if let Some(&bad) = indices.iter().find(|&&i| i >= dims[0]) {
            return Err(ShapeError::incompatible("select_rows", dims, out_dims)
                .with_detail(format!("row {bad} of {}", dims[0])));
        }
        checked_len::<E>("select_rows", out_dims)?;
        out.set_shape(
            <S::Replaced<usize>>::from_dims(out_dims).expect("only the first dim changed"),
        );
        let row = checked_numel(&dims[1..]).expect("part of an existing tensor");
        let data = self.as_slice();
        // A training batch (128 rows of 784 values: 400 KB) is copied by every thread,
        // each its share of the rows: the products that read it next are split over the
        // threads too, and the copy was the largest part left on one thread.
        let step = row.max(1);
        let rows_per_piece = (PARALLEL_COPY / (step * size_of::<E>())).max(1);
        par_chunks(
            out.as_mut_slice(),
            rows_per_piece * step,
            2,
            &|piece, dst| {
                let first = piece * rows_per_piece;
                for (dst, &i) in dst.chunks_exact_mut(step).zip(&indices[first..]) {
                    dst.copy_from_slice(&data[i * row..(i + 1) * row]);
                }
            },
        );
        Ok(())
    }

    /// Panicking form of [`try_select_rows`](Self::try_select_rows).
    #[track_caller]
    pub fn select_rows(&self, indices: &[usize]) -> Tensor<S::Replaced<usize>, E>
    where
        S: HasAxis<0>,
    {
        unwrap_shape(self.try_select_rows(indices))
    }

    /// Names the runtime first dim statically: the explicit, checked conversion from a
    /// runtime size to a static one.
    pub fn try_fix_batch<const B: usize>(self) -> Result<Tensor<S::Replaced<Dim<B>>, E>, ShapeError>
    where
        S: HasAxis<0>,
    {
        self.try_into_shape()
    }

    /// Forgets the static size of the first dim (e.g. to batch a fixed-size tensor).
    pub fn dyn_batch(self) -> Tensor<S::Replaced<usize>, E>
    where
        S: HasAxis<0>,
    {
        unwrap_shape(self.try_into_shape())
    }
}

/// Bytes of rows that [`Tensor::try_select_rows_into`] copies on one thread at a time: a
/// piece per thread for a training batch, one piece (no thread started) for small
/// selections.
const PARALLEL_COPY: usize = 1 << 17;
