//! Reads Rust source as far as the architecture rules need: module nesting and the paths a
//! file names, resolved to a pacnet module or an external crate.
//!
//! Why hand-written and not `syn`: syn is in `Cargo.lock` only as the derive macros' host
//! dependency, built without the `full` and `visit` features a whole-file path walk needs, so the
//! test binary would compile a second syn (and proc-macro2 with span locations for line numbers)
//! on every cold run. The rules need only paths and module nesting, which this tokenizer and
//! `use`-tree reader cover; its own tests are at the end.

use std::collections::{BTreeMap, BTreeSet};

// ---------------------------------------------------------------------------------------------
// Tokens

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    /// `::`
    Sep,
    Punct(char),
    /// A string, char or number literal (its contents never name a module).
    Lit,
}

/// Splits Rust source into tokens with their 1-based line numbers. Comments (doc comments
/// too), string and char literals and lifetimes produce no path tokens.
fn tokens(src: &str) -> Vec<(Tok, usize)> {
    let c: Vec<char> = src.chars().collect();
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    let ident_char = |ch: char| ch == '_' || ch.is_alphanumeric();
    let (mut out, mut i, mut line) = (Vec::new(), 0, 1);
    // Skips a quoted literal that starts at `i` (the opening quote), honouring escapes.
    let skip_quoted = |mut i: usize, quote: char, line: &mut usize| {
        i += 1;
        while i < c.len() && c[i] != quote {
            if c[i] == '\\' {
                i += 1;
            }
            if at(i) == '\n' {
                *line += 1;
            }
            i += 1;
        }
        i + 1
    };
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    line += usize::from(c[i] == '\n');
                    i += 1;
                }
            }
        } else if ch == '"' {
            i = skip_quoted(i, '"', &mut line);
            out.push((Tok::Lit, line));
        } else if ch == '\'' {
            // A char literal ('x', '\n', '\u{1F600}') or a lifetime ('a, 'static).
            if at(i + 1) == '\\' || at(i + 2) == '\'' {
                i = skip_quoted(i, '\'', &mut line);
                out.push((Tok::Lit, line));
            } else {
                i += 1;
                while ident_char(at(i)) {
                    i += 1;
                }
            }
        } else if ch.is_ascii_digit() {
            while ident_char(at(i)) {
                i += 1;
            }
            out.push((Tok::Lit, line));
        } else if ident_char(ch) {
            let start = i;
            while ident_char(at(i)) {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            let raw_string = matches!(word.as_str(), "r" | "br" | "cr") && matches!(at(i), '"' | '#');
            if raw_string {
                // r"…", r#"…"#: ends at the quote followed by as many hashes.
                let hashes = c[i..].iter().take_while(|&&h| h == '#').count();
                i += hashes + 1;
                while i < c.len()
                    && !(c[i] == '"' && c[i + 1..].iter().take(hashes).filter(|&&h| h == '#').count() == hashes)
                {
                    line += usize::from(c[i] == '\n');
                    i += 1;
                }
                i += hashes + 1;
                out.push((Tok::Lit, line));
            } else if matches!(word.as_str(), "b" | "c") && matches!(at(i), '"' | '\'') {
                i = skip_quoted(i, at(i), &mut line);
                out.push((Tok::Lit, line));
            } else if word == "r" && at(i) == '#' && ident_char(at(i + 1)) {
                // A raw identifier: r#type.
                let start = i + 1;
                i = start;
                while ident_char(at(i)) {
                    i += 1;
                }
                out.push((Tok::Ident(c[start..i].iter().collect()), line));
            } else {
                out.push((Tok::Ident(word), line));
            }
        } else if ch == ':' && at(i + 1) == ':' {
            out.push((Tok::Sep, line));
            i += 2;
        } else {
            out.push((Tok::Punct(ch), line));
            i += 1;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Paths

/// A path a file names, in the module it names it from.
#[derive(Clone, Debug)]
pub(super) struct Named {
    /// The module the path is written in (`["live", "feature_worker", "tests"]`).
    pub(super) module: Vec<String>,
    /// Its segments as written.
    pub(super) segs: Vec<String>,
    pub(super) line: usize,
    /// Written in a `use` declaration (else in code).
    pub(super) in_use: bool,
}

/// What one file declares and names.
#[derive(Default, Debug)]
pub(super) struct Parsed {
    /// Every path, from `use` trees and from code.
    pub(super) paths: Vec<Named>,
    /// Module → the child modules it declares (`mod x;` or `mod x { … }`).
    pub(super) children: BTreeMap<Vec<String>, BTreeSet<String>>,
    /// Module → names its `use` declarations bring in, with the path each stands for.
    pub(super) names: BTreeMap<Vec<String>, BTreeMap<String, Vec<String>>>,
}

/// Reads one file whose module path is `module`.
pub(super) fn parse(src: &str, module: &[String]) -> Parsed {
    let toks = tokens(src);
    let tok = |i: usize| toks.get(i).map(|t| &t.0);
    let ident = |i: usize| match tok(i) {
        Some(Tok::Ident(s)) => Some(s.as_str()),
        _ => None,
    };
    let mut parsed = Parsed::default();
    let mut stack: Vec<(String, usize)> = Vec::new(); // inline modules: name, brace depth inside
    let mut depth = 0;
    let mut i = 0;
    let current = |stack: &[(String, usize)]| -> Vec<String> {
        module.iter().cloned().chain(stack.iter().map(|(n, _)| n.clone())).collect()
    };
    while i < toks.len() {
        let line = toks[i].1;
        match &toks[i].0 {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                if stack.last().is_some_and(|(_, d)| *d == depth) {
                    stack.pop();
                }
                depth -= 1;
            }
            Tok::Ident(w) if w == "mod" => {
                if let Some(name) = ident(i + 1) {
                    let here = current(&stack);
                    parsed.children.entry(here).or_default().insert(name.to_owned());
                    if tok(i + 2) == Some(&Tok::Punct('{')) {
                        depth += 1;
                        stack.push((name.to_owned(), depth));
                        i += 3;
                        continue;
                    }
                }
            }
            // `use` starts a declaration unless it is `impl Trait + use<'a>`.
            Tok::Ident(w) if w == "use" && tok(i + 1) != Some(&Tok::Punct('<')) => {
                let here = current(&stack);
                let mut trees = Vec::new();
                i = use_tree(&toks, i + 1, Vec::new(), true, &mut trees);
                for (segs, alias, line) in trees {
                    let mut segs = segs;
                    if segs.last().is_some_and(|s| s == "self") {
                        segs.pop(); // `use a::b::{self}` names `a::b`
                    }
                    if let Some(name) = alias.or_else(|| segs.last().cloned()).filter(|n| n != "*" && n != "_") {
                        parsed.names.entry(here.clone()).or_default().insert(name, segs.clone());
                    }
                    parsed.paths.push(Named { module: here.clone(), segs, line, in_use: true });
                }
                continue;
            }
            Tok::Ident(first) => {
                // A path in code starts at an identifier followed by `::` that is not the middle
                // of a path (`a::b`, `Vec::<T>::new`; a leading `::std` starts one) nor `$crate`
                // in a macro.
                let prev = |k: usize| i.checked_sub(k).map(|j| &toks[j].0);
                let mid = matches!(prev(1), Some(Tok::Punct('$')))
                    || (prev(1) == Some(&Tok::Sep) && matches!(prev(2), Some(Tok::Ident(_) | Tok::Punct('>'))));
                if !mid && tok(i + 1) == Some(&Tok::Sep) {
                    let mut segs = vec![first.clone()];
                    let mut j = i + 1;
                    while tok(j) == Some(&Tok::Sep) {
                        match ident(j + 1) {
                            Some(s) => segs.push(s.to_owned()),
                            None => break, // `::<T>` or `::{` in a macro
                        }
                        j += 2;
                    }
                    parsed.paths.push(Named { module: current(&stack), segs, line, in_use: false });
                    i = j;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    parsed
}

/// One path of a `use` tree: its segments, its `as` name, the line of its last segment.
type UsePath = (Vec<String>, Option<String>, usize);

/// Reads one `use` tree from `i` into `out`; returns the index after it (after the `;` when
/// `top`).
fn use_tree(toks: &[(Tok, usize)], mut i: usize, prefix: Vec<String>, top: bool, out: &mut Vec<UsePath>) -> usize {
    let tok = |i: usize| toks.get(i).map(|t| &t.0);
    let mut segs = prefix;
    if tok(i) == Some(&Tok::Sep) {
        i += 1; // `use ::std::…`: a crate name follows
    }
    loop {
        match tok(i) {
            Some(Tok::Ident(s)) => {
                segs.push(s.clone());
                let line = toks[i].1;
                i += 1;
                if tok(i) == Some(&Tok::Sep) {
                    i += 1;
                    continue;
                }
                let mut alias = None;
                if matches!(tok(i), Some(Tok::Ident(a)) if a == "as") {
                    if let Some(Tok::Ident(a)) = tok(i + 1) {
                        alias = Some(a.clone());
                    }
                    i += 2;
                }
                out.push((segs, alias, line));
                break;
            }
            Some(Tok::Punct('*')) => {
                segs.push("*".into());
                out.push((segs, None, toks[i].1));
                i += 1;
                break;
            }
            Some(Tok::Punct('{')) => {
                i += 1;
                while tok(i).is_some() && tok(i) != Some(&Tok::Punct('}')) {
                    i = use_tree(toks, i, segs.clone(), false, out);
                    if tok(i) == Some(&Tok::Punct(',')) {
                        i += 1;
                    }
                }
                i += 1;
                break;
            }
            _ => break,
        }
    }
    if top {
        while tok(i).is_some() && tok(i) != Some(&Tok::Punct(';')) {
            i += 1;
        }
        i += 1;
    }
    i
}

/// Where a path leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Target {
    /// Into pacnet, as an absolute path (`["live", "sink", "GameSink"]`).
    Pacnet(Vec<String>),
    /// Into an external crate (or `std`, `core`, `alloc`).
    Crate(String),
    /// A local item: a type's associated item (`Self::new`, `Dir::Up`), a prelude type.
    Local,
}

/// Resolves `segs`, written in `module`, with what the crate's files declare.
pub(super) fn resolve(
    segs: &[String],
    module: &[String],
    all: &Parsed,
    crates: &BTreeSet<String>,
    hops: usize,
) -> Target {
    let Some(first) = segs.first() else { return Target::Local };
    let rest = || segs[1..].to_vec();
    match first.as_str() {
        "crate" | "pacnet" => Target::Pacnet(rest()),
        "self" => Target::Pacnet([module, &segs[1..]].concat()),
        "super" => {
            let ups = segs.iter().take_while(|s| *s == "super").count();
            assert!(
                ups <= module.len(),
                "`{}` climbs above the crate root from {}",
                segs.join("::"),
                module.join("::")
            );
            Target::Pacnet([&module[..module.len() - ups], &segs[ups..]].concat())
        }
        _ if all.children.get(module).is_some_and(|c| c.contains(first)) => Target::Pacnet([module, segs].concat()),
        _ => match all.names.get(module).and_then(|n| n.get(first)) {
            // A name brought in by `use` (not the `use` naming itself): follow it.
            Some(target) if hops < 8 && target.first() != Some(first) => {
                let whole: Vec<String> = target.iter().cloned().chain(rest()).collect();
                resolve(&whole, module, all, crates, hops + 1)
            }
            _ if crates.contains(first) => Target::Crate(first.clone()),
            _ => Target::Local,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(path: &str) -> Vec<String> {
        path.split("::").filter(|s| !s.is_empty()).map(str::to_owned).collect()
    }

    /// Where each path of `src` (a file at `at`) leads.
    fn targets(src: &str, at: &str) -> Vec<Target> {
        let parsed = parse(src, &module(at));
        let crates: BTreeSet<String> = ["std", "egui", "serde"].iter().map(|s| (*s).to_owned()).collect();
        parsed
            .paths
            .iter()
            .map(|p| resolve(&p.segs, &p.module, &parsed, &crates, 0))
            .filter(|t| *t != Target::Local)
            .collect()
    }

    fn pacnet(path: &str) -> Target {
        Target::Pacnet(module(path))
    }

    #[test]
    fn reader_resolves_groups_nesting_super_self_and_the_crate_name() {
        let src = "use crate::{ui, learn::{self, Head as H}};\n\
                   use super::super::ui::App;\n\
                   pub(crate) use pacnet::ui::*;\n\
                   use super::sink::{GameSink, self};\n";
        assert_eq!(
            targets(src, "live::feature_worker"),
            vec![
                pacnet("ui"),
                pacnet("learn"),
                pacnet("learn::Head"),
                pacnet("ui::App"),
                pacnet("ui::*"),
                pacnet("live::sink::GameSink"),
                pacnet("live::sink"),
            ]
        );
    }

    #[test]
    fn reader_sees_paths_in_code_and_follows_used_names() {
        let src = "use crate::live as l;\nuse egui;\n\
                   fn f() { crate::ui::run(); let x = l::Runtime::new(); egui::Color32::RED; ::std::mem::drop(x); \
                   Self::new(); Dir::Up; sink::f(); $crate::g(); }\n";
        assert_eq!(
            targets(src, "cli"),
            vec![
                pacnet("live"),
                Target::Crate("egui".into()),
                pacnet("ui::run"),
                pacnet("live::Runtime::new"),
                Target::Crate("egui".into()),
                Target::Crate("std".into()),
            ]
        );
    }

    #[test]
    fn reader_tracks_inline_modules_and_child_modules() {
        let src = "mod fewshot;\nuse fewshot::Set;\n\
                   #[cfg(test)]\nmod tests {\n    use super::*;\n    use super::super::ui;\n    fn t() { super::run(); }\n}\n\
                   use super::ui::Tab;\n";
        assert_eq!(
            targets(src, "cli::bench_learn"),
            vec![
                pacnet("cli::bench_learn::fewshot::Set"),
                pacnet("cli::bench_learn::*"),
                pacnet("cli::ui"),
                pacnet("cli::bench_learn::run"),
                pacnet("cli::ui::Tab"),
            ]
        );
    }

    #[test]
    fn reader_ignores_comments_strings_chars_and_lifetimes() {
        let src = "// use crate::ui;\n/* crate::ui::x /* nested */ crate::ui */\n/// [`crate::ui`]\n\
                   fn f<'a>(s: &'a str) -> char { let _ = \"crate::ui::x // not a comment\"; \
                   let _ = r#\"crate::ui \"quoted\"\"#; let _ = b\"crate::ui\"; let q = '\"'; let e = '\\''; \
                   crate::learn::f(); q }\n";
        assert_eq!(targets(src, "live"), vec![pacnet("learn::f")]);
    }
}
