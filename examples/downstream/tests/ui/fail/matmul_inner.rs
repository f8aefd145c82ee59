use shaped::{Dim, Tensor};

fn main() {
    let x = Tensor::<(usize, Dim<784>)>::zeros((3, Dim));
    let w = Tensor::<(Dim<512>, Dim<10>)>::zeros(Default::default());
    let _ = x.matmul(&w);
}
