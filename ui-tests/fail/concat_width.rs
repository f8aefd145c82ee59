use shaped::nn::{Concat, Dense, Layer};
use shaped::{Dim, Tensor};

fn main() {
    let wide = Concat::<_, _, 8> { a: Dense::<4, 3>::new(0), b: Dense::<4, 4>::new(1) };
    let _ = wide.forward(&Tensor::<(usize, Dim<4>)>::ones((2, Dim)));
}
