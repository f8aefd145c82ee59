// A window of 128 rows cannot come from a tensor of 100 rows, wherever it starts.
use shaped::{Dim, Tensor};

fn main() {
    let x = Tensor::<(Dim<100>, Dim<4>)>::zeros(Default::default());
    let _w = x.window::<128>(0);
}
