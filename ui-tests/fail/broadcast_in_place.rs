use shaped::{Dim, Tensor};

fn main() {
    let mut a = Tensor::<(Dim<3>, Dim<4>)>::zeros(Default::default());
    let b = Tensor::<(Dim<3>, Dim<5>)>::zeros(Default::default());
    a += &b;
}
