use shaped::{Dim, Tensor};
use shaped_downstream::Scorer;

fn main() {
    let queries = Tensor::<(Dim<2>, Dim<3>)>::ones(Default::default());
    let keys = Tensor::<(usize, Dim<3>)>::ones((4, Dim));
    let s = Scorer::<3, 3>::new().scores(&queries, &keys);
    assert_eq!(s.shape_dims(), [2, 4]);
    assert_eq!(s.as_slice(), &[3.0; 8]);
}
