//! The values that flow between fixed-size layers: vectors `[f32; N]` and channels-last
//! images `[[[f32; C]; W]; H]`, both viewable as flat slices so that one scratch buffer can
//! hold any layer's output.

/// A fixed-size block of activations with a flat view.
pub trait Activations: Sized + 'static {
    /// Number of floats.
    const LEN: usize;
    /// All zeros.
    fn zeros() -> Self;
    /// The values in memory order.
    fn as_flat(&self) -> &[f32];
    /// The values in memory order, writable.
    fn as_flat_mut(&mut self) -> &mut [f32];
    /// A view of exactly `LEN` floats as `Self`.
    ///
    /// # Panics
    /// When `values.len() != LEN` (a layer passes only slices it sized itself).
    fn from_flat(values: &[f32]) -> &Self;
    /// A writable view of exactly `LEN` floats as `Self`.
    ///
    /// # Panics
    /// When `values.len() != LEN`.
    fn from_flat_mut(values: &mut [f32]) -> &mut Self;
}

impl<const N: usize> Activations for [f32; N] {
    const LEN: usize = N;
    fn zeros() -> Self {
        [0.0; N]
    }
    fn as_flat(&self) -> &[f32] {
        self
    }
    fn as_flat_mut(&mut self) -> &mut [f32] {
        self
    }
    #[track_caller]
    fn from_flat(values: &[f32]) -> &Self {
        values.try_into().expect("a slice of the vector's length")
    }
    #[track_caller]
    fn from_flat_mut(values: &mut [f32]) -> &mut Self {
        values.try_into().expect("a slice of the vector's length")
    }
}

impl<const H: usize, const W: usize, const C: usize> Activations for [[[f32; C]; W]; H] {
    const LEN: usize = H * W * C;
    fn zeros() -> Self {
        [[[0.0; C]; W]; H]
    }
    fn as_flat(&self) -> &[f32] {
        self.as_flattened().as_flattened()
    }
    fn as_flat_mut(&mut self) -> &mut [f32] {
        self.as_flattened_mut().as_flattened_mut()
    }
    #[track_caller]
    fn from_flat(values: &[f32]) -> &Self {
        assert_eq!(values.len(), Self::LEN, "a slice of the image's size");
        let (pixels, _) = values.as_chunks::<C>();
        let (rows, _) = pixels.as_chunks::<W>();
        rows.try_into().expect("H rows")
    }
    #[track_caller]
    fn from_flat_mut(values: &mut [f32]) -> &mut Self {
        assert_eq!(values.len(), Self::LEN, "a slice of the image's size");
        let (pixels, _) = values.as_chunks_mut::<C>();
        let (rows, _) = pixels.as_chunks_mut::<W>();
        rows.try_into().expect("H rows")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_view_their_values_in_channels_last_order() {
        let mut flat: [f32; 12] = core::array::from_fn(|i| i as f32);
        let image = <[[[f32; 3]; 2]; 2]>::from_flat(&flat);
        // (row 1, column 0, channel 2) is 1 * 6 + 0 * 3 + 2.
        assert_eq!(image[1][0][2], 8.0);
        assert_eq!(image.as_flat(), &flat);
        <[[[f32; 3]; 2]; 2]>::from_flat_mut(&mut flat)[0][1][0] = -1.0;
        assert_eq!(flat[3], -1.0);
        assert_eq!(<[[[f32; 3]; 2]; 2] as Activations>::LEN, 12);
    }

    #[test]
    #[should_panic(expected = "image's size")]
    fn a_slice_of_another_length_is_refused() {
        <[[[f32; 3]; 2]; 2]>::from_flat(&[0.0; 11]);
    }
}
