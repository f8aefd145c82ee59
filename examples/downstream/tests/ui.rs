//! Error messages this crate promises, pinned: its own rule, and one of shaped's that its
//! users meet. The pass case runs in the same trybuild session.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
