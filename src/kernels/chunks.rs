//! Independent pieces of one output (the images of a batch) computed over the pool.

use super::pool::{num_threads, run};

/// The output's base pointer, shared by the parts of [`par_chunks`].
struct Base<E>(*mut E);

// SAFETY: every part reaches only its own chunks (see `par_chunks`), and `par_chunks` does
// not return before every part has finished.
unsafe impl<E: Send> Sync for Base<E> {}

impl<E> Base<E> {
    /// A method, so that closures capture the whole (`Sync`) wrapper, not the raw field.
    fn ptr(&self) -> *mut E {
        self.0
    }
}

/// Calls `f(i, &mut out[i * chunk..(i + 1) * chunk])` for every chunk of `out` (whose
/// length must be a multiple of `chunk`), the chunks spread over up to [`num_threads`]
/// threads when there are at least `min_chunks` of them. Each chunk is visited exactly once.
pub(crate) fn par_chunks<E: Send>(
    out: &mut [E],
    chunk: usize,
    min_chunks: usize,
    f: &(dyn Fn(usize, &mut [E]) + Sync),
) {
    if chunk == 0 {
        return;
    }
    assert_eq!(out.len() % chunk, 0, "par_chunks: a partial chunk");
    let count = out.len() / chunk;
    let parts = num_threads().min(count);
    if parts <= 1 || count < min_chunks {
        out.chunks_exact_mut(chunk)
            .enumerate()
            .for_each(|(i, c)| f(i, c));
        return;
    }
    let base = Base(out.as_mut_ptr());
    run(parts, &|p| {
        // Chunks first..last of part p: contiguous, disjoint from every other part's.
        let (first, last) = (count * p / parts, count * (p + 1) / parts);
        for i in first..last {
            // SAFETY: i < count, so i * chunk + chunk <= count * chunk = out.len(): the
            // range is inside `out`, which stays mutably borrowed until `run` returns, and
            // no other part touches chunk i.
            let piece = unsafe { std::slice::from_raw_parts_mut(base.ptr().add(i * chunk), chunk) };
            f(i, piece);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::par_chunks;

    #[test]
    fn every_chunk_once_and_nothing_outside() {
        crate::kernels::set_num_threads(2);
        for count in [1, 2, 3, 7, 64] {
            let chunk = 5;
            // A guard value on each side of the output proves no write lands outside it.
            let mut buf = vec![u32::MAX; count * chunk + 2];
            let out = &mut buf[1..count * chunk + 1];
            par_chunks(out, chunk, 1, &|i, c| {
                assert_eq!(c.len(), chunk);
                c.iter_mut().for_each(|v| *v = i as u32);
            });
            assert_eq!((buf[0], buf[count * chunk + 1]), (u32::MAX, u32::MAX));
            for (j, &v) in buf[1..count * chunk + 1].iter().enumerate() {
                assert_eq!(v as usize, j / chunk);
            }
        }
    }

    #[test]
    #[should_panic(expected = "a partial chunk")]
    fn a_partial_chunk_is_refused() {
        par_chunks(&mut [0u8; 7], 3, 1, &|_, _| {});
    }
}
