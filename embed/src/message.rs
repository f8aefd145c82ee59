//! Compile-time error messages with numbers in them: `panic!` in a `const` evaluation takes
//! a `&str` but no format arguments, so the text is built in a fixed buffer first. shaped's
//! own messages use it too (through `__private`).

/// Bytes a message holds; longer text is cut.
pub const CAP: usize = 256;

/// A short text built by `const fn`s.
pub struct ConstText {
    buf: [u8; CAP],
    len: usize,
}

impl Default for ConstText {
    fn default() -> Self {
        Self::new()
    }
}

impl ConstText {
    /// An empty text.
    pub const fn new() -> Self {
        ConstText {
            buf: [0; CAP],
            len: 0,
        }
    }

    /// `s` appended.
    pub const fn str(mut self, s: &str) -> Self {
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() && self.len < CAP {
            self.buf[self.len] = bytes[i];
            self.len += 1;
            i += 1;
        }
        self
    }

    /// `n` appended in decimal.
    pub const fn num(mut self, n: usize) -> Self {
        let mut digits = [0u8; 20];
        let (mut count, mut rest) = (0, n);
        loop {
            digits[count] = b'0' + (rest % 10) as u8;
            count += 1;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        while count > 0 && self.len < CAP {
            count -= 1;
            self.buf[self.len] = digits[count];
            self.len += 1;
        }
        self
    }

    /// `a`x`b` appended, as sizes are written in messages.
    pub const fn size(self, (a, b): (usize, usize)) -> Self {
        self.num(a).str("x").num(b)
    }

    /// The text so far.
    pub const fn as_str(&self) -> &str {
        match core::str::from_utf8(self.buf.split_at(self.len).0) {
            Ok(s) => s,
            Err(_) => "size error", // not reached: only whole ASCII strings are written
        }
    }
}

/// The text a size check panics with when it runs at run time (tests call the checking
/// functions directly; `panic!("{}", text)` then carries a formatted `String`).
#[cfg(test)]
pub(crate) fn panic_text(check: impl FnOnce() + std::panic::UnwindSafe) -> std::string::String {
    let err = std::panic::catch_unwind(check).expect_err("the check passed");
    err.downcast_ref::<std::string::String>()
        .cloned()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_sizes_print_in_decimal() {
        let t = ConstText::new()
            .num(0)
            .str(" ")
            .num(1090)
            .str(" ")
            .size((26, 7));
        assert_eq!(t.as_str(), "0 1090 26x7");
        let max = ConstText::new().num(usize::MAX);
        assert_eq!(max.as_str(), std::format!("{}", usize::MAX));
    }

    #[test]
    fn long_text_is_cut_at_the_capacity() {
        let long = "x".repeat(CAP + 5);
        let t = ConstText::new().str("ab").str(&long).num(7);
        assert_eq!(t.as_str().len(), CAP);
        assert!(t.as_str().starts_with("abx"));
    }
}
