//! Standard output and error that cannot fail, and text that is safe to show on a terminal.
//!
//! `println!` and `eprintln!` panic when the stream is a closed pipe (`pacnet … | true`), on
//! whatever thread writes. pacnet's rules instead: output written with `writeln!(out, …)?`
//! reaches the CLI's top level as a broken-pipe error, which exits 0 quietly (the reader has
//! what it wanted); messages and logs on stderr are dropped when stderr cannot take them.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};

/// Stderr for logs and messages: a failed write (closed pipe, full disk) is dropped, never an
/// error or a panic. `tracing_subscriber` takes `|| QuietStderr`.
#[derive(Clone, Copy, Debug, Default)]
pub struct QuietStderr;

impl Write for QuietStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = std::io::stderr().write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let _ = std::io::stderr().flush();
        Ok(())
    }
}

/// Writes `line` and a newline to stderr as one write; a failure is dropped.
pub fn err_line(line: &str) {
    let mut text = String::with_capacity(line.len() + 1);
    text.push_str(line);
    text.push('\n');
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Whether stderr is a terminal (colours and progress bars only then).
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// `text` with every control character (escape sequences, carriage returns, …) shown as
/// `\u{1b}`-style escapes, so a camera's name or a file name cannot move the cursor, change
/// colours or retitle the terminal. Tabs and newlines stay.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| if c.is_control() && c != '\n' && c != '\t' { c.escape_default().to_string() } else { c.into() })
            .collect(),
    )
}

/// `text` as one line for an error message: line breaks (with the indentation after them)
/// become `; `, trailing ones are dropped, and other control characters are escaped.
pub fn one_line(text: &str) -> String {
    let escaped = escape_controls(text);
    let mut out = String::with_capacity(escaped.len());
    for (i, part) in escaped.split(['\n', '\r']).map(str::trim).filter(|p| !p.is_empty()).enumerate() {
        if i > 0 && !part.starts_with([')', ']', ',', '.', ';']) {
            out.push_str(if out.ends_with([':', '(', ';', ',']) { " " } else { "; " });
        }
        out.push_str(part);
    }
    out.replace('\t', " ")
}

/// A path for showing: lossy UTF-8 with control characters escaped.
pub fn shown(path: &std::path::Path) -> String {
    escape_controls(&path.to_string_lossy()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_joins_lines_and_escapes_controls() {
        assert_eq!(one_line("a.jpg: Not enough bytes\n) — stopped"), "a.jpg: Not enough bytes) — stopped");
        assert_eq!(one_line("cause:\n  detail\n"), "cause: detail");
        assert_eq!(one_line("cam \u{1b}[31mred"), "cam \\u{1b}[31mred");
        assert_eq!(escape_controls("plain"), Cow::Borrowed("plain"));
    }
}
