//! include_net!'s compile-time weights check: each mismatch is a compile error naming the
//! tensor and both shapes at the declaration (`tests/ui/fail`), and matching files build and
//! compute what the weights say (`tests/ui/pass`, run in the same trybuild session).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
