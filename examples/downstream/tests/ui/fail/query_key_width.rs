use shaped_downstream::Scorer;

fn main() {
    let _scorer = Scorer::<64, 32>::new();
}
