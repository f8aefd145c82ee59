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

/// Calls `f(i, piece)` for every piece of `out.chunks_mut(chunk)` (pieces of `chunk`
/// values, the last one possibly shorter), the pieces spread over up to [`num_threads`]
/// threads when there are at least `min_chunks` of them. Each piece is visited exactly
/// once.
pub(crate) fn par_chunks<E: Send>(
    out: &mut [E],
    chunk: usize,
    min_chunks: usize,
    f: &(dyn Fn(usize, &mut [E]) + Sync),
) {
    if chunk == 0 {
        return;
    }
    let len = out.len();
    let count = len.div_ceil(chunk);
    let parts = num_threads().min(count);
    if parts <= 1 || count < min_chunks {
        out.chunks_mut(chunk).enumerate().for_each(|(i, c)| f(i, c));
        return;
    }
    let base = Base(out.as_mut_ptr());
    run(parts, &|p| {
        // Pieces first..last of part p: contiguous, disjoint from every other part's.
        let (first, last) = (count * p / parts, count * (p + 1) / parts);
        for i in first..last {
            // i < count = ceil(len / chunk), so start = i * chunk < len and the piece
            // start..start + n ends at most at len.
            let start = i * chunk;
            let n = chunk.min(len - start);
            // SAFETY: the range is inside `out`, which stays mutably borrowed until `run`
            // returns, and no other part touches piece i.
            let piece = unsafe { std::slice::from_raw_parts_mut(base.ptr().add(start), n) };
            f(i, piece);
        }
    });
}

/// Values per part below which an element-wise pass stays on one thread: a dispatch to the
/// pool costs about as much as a pass over a few thousand values.
const PAR_ROW_VALUES: usize = 1 << 15;

/// Calls `f(first_row, rows)` for runs of whole rows of `out` (rows of `row_len` values),
/// each run on one thread, spread over the pool when there are enough values (a batch's
/// activations). Each row is visited exactly once, in a run of consecutive rows.
pub(crate) fn par_rows<E: Send>(
    out: &mut [E],
    row_len: usize,
    f: &(dyn Fn(usize, &mut [E]) + Sync),
) {
    if row_len == 0 || out.is_empty() {
        return;
    }
    let rows = out.len() / row_len;
    let parts = num_threads()
        .min(out.len() / PAR_ROW_VALUES)
        .clamp(1, rows.max(1));
    // Whole rows per run; the last run may be shorter (also a ragged last row).
    let run_rows = rows.div_ceil(parts).max(1);
    par_chunks(out, run_rows * row_len, 2, &|i, run| f(i * run_rows, run));
}

#[cfg(test)]
mod tests {
    use super::par_chunks;

    #[test]
    fn runs_of_whole_rows_cover_every_row_once() {
        crate::kernels::set_num_threads(2);
        for (rows, row_len) in [(0, 5), (1, 3), (7, 10), (128, 512), (3, 40_000), (1000, 1)] {
            let mut out = vec![u32::MAX; rows * row_len];
            super::par_rows(&mut out, row_len, &|first, run| {
                assert_eq!(run.len() % row_len, 0, "whole rows");
                for (r, row) in run.chunks_mut(row_len).enumerate() {
                    row.iter_mut().for_each(|v| *v = (first + r) as u32);
                }
            });
            for (i, &v) in out.iter().enumerate() {
                assert_eq!(v as usize, i / row_len, "{rows} rows of {row_len}");
            }
        }
    }

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
    fn the_last_piece_may_be_shorter() {
        crate::kernels::set_num_threads(2);
        for len in [1, 6, 7, 8, 100] {
            let mut buf = vec![u32::MAX; len + 2];
            par_chunks(&mut buf[1..len + 1], 3, 1, &|i, c| {
                assert_eq!(c.len(), 3.min(len - 3 * i));
                c.iter_mut().for_each(|v| *v = i as u32);
            });
            assert_eq!((buf[0], buf[len + 1]), (u32::MAX, u32::MAX));
            for (j, &v) in buf[1..len + 1].iter().enumerate() {
                assert_eq!(v as usize, j / 3);
            }
        }
    }
}
