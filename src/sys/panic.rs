//! The text of a caught panic, for an error line: the trainer thread, the camera driver and the
//! capture thread catch panics from code they do not control and turn them into messages.

use std::any::Any;

/// The message a panic carried (`panic!("…")` payloads are a `&str` or a `String`), or
/// "unknown panic" for any other payload.
#[must_use]
pub fn panic_text(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_formatted_and_other_payloads() {
        // The default hook prints each panic; the test harness captures that with the output.
        let caught = |f: fn()| std::panic::catch_unwind(f).err().map(|p| panic_text(&*p));
        let literal = caught(|| panic!("a literal"));
        let formatted = caught(|| panic!("formatted {}", 42));
        let other = caught(|| std::panic::panic_any(7_u32));
        assert_eq!(literal.as_deref(), Some("a literal"));
        assert_eq!(formatted.as_deref(), Some("formatted 42"));
        assert_eq!(other.as_deref(), Some("unknown panic"));
    }
}
