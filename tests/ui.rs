//! Every shape rule: a compile-fail case whose `.stderr` shows the rule's message, and pass
//! cases in the same run, so trybuild builds (not only checks) and const-evaluated rules fire.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui-tests/pass/*.rs");
    cases.compile_fail("ui-tests/fail/*.rs");
}
