// The inner dims of a product must agree: (32, 784) . (10, 10).
use shaped::{Dim, Tensor};

fn main() {
    let x = Tensor::<(usize, Dim<784>)>::zeros((32, Dim));
    let w = Tensor::<(Dim<10>, Dim<10>)>::zeros(Default::default());
    let _y = x.matmul(&w);
}
