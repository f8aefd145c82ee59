//! f32 values stored from the start of a cache line, so that a 512-bit load of 16 values at
//! a multiple of 16 touches one line instead of two. Measured here: one core reading a
//! 784x256 f32 kernel (each core's share of the chapter's hidden layer) took 8.1-8.6 us
//! from a line boundary and 9.7-12 us from 16 bytes past one, where a large allocation
//! starts.

/// One cache line of values.
#[repr(C, align(64))]
#[derive(Clone, Copy)]
struct Line([f32; LINE]);

/// Values per cache line.
const LINE: usize = 16;

// The lines are contiguous f32 values: no padding inside or between them.
const _: () = assert!(size_of::<Line>() == LINE * size_of::<f32>());

/// A fixed number of f32 values whose first value starts a cache line.
pub(crate) struct AlignedF32 {
    lines: Box<[Line]>,
    len: usize,
}

impl AlignedF32 {
    /// A copy of `values`.
    pub(crate) fn from_slice(values: &[f32]) -> Self {
        let lines = values
            .chunks(LINE)
            .map(|chunk| {
                let mut line = Line([0.0; LINE]);
                line.0[..chunk.len()].copy_from_slice(chunk);
                line
            })
            .collect();
        AlignedF32 {
            lines,
            len: values.len(),
        }
    }

    /// The values.
    pub(crate) fn as_slice(&self) -> &[f32] {
        // SAFETY: `Line` is `repr(C)` with no padding (asserted above), so the lines are
        // `lines.len() * LINE` initialized, contiguous f32 values, and `from_slice` made
        // `len <= lines.len() * LINE`; the slice borrows `self`.
        unsafe { std::slice::from_raw_parts(self.lines.as_ptr().cast::<f32>(), self.len) }
    }
}

#[cfg(test)]
mod tests {
    use super::AlignedF32;

    #[test]
    fn holds_exactly_the_values_from_a_line_boundary() {
        for len in [0, 1, 15, 16, 17, 33, 1000] {
            let values: Vec<f32> = (0..len).map(|i| i as f32 * 0.5 - 3.0).collect();
            let aligned = AlignedF32::from_slice(&values);
            assert_eq!(aligned.as_slice(), &values[..]);
            assert_eq!(aligned.as_slice().as_ptr() as usize % 64, 0, "{len} values");
        }
    }
}
