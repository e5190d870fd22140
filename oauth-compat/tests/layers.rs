//! The layer rules of DESIGN.md ("Layers"), enforced: every `crate::` and `super::` path in
//! `src/` (in `use` lines, expressions and macro bodies; comments and strings are skipped) is
//! resolved to the top-level module it names and checked against the table in DESIGN.md, the
//! one place the rules are written. Plain Rust, no dependency: a small lexer, not a parser.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// Top-level module → the top-level modules it may name besides itself.
type Rules = BTreeMap<String, BTreeSet<String>>;

/// The group of `lib.rs` itself (the crate root).
const ROOT: &str = "lib.rs";

#[test]
fn every_module_imports_only_what_design_md_allows() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let design = std::fs::read_to_string(manifest.join("../DESIGN.md")).expect("DESIGN.md");
    let rules = parse_rules(&design).unwrap_or_else(|err| panic!("DESIGN.md, Layers: {err}"));

    let src = manifest.join("src");
    let mut files = Vec::new();
    collect_rs(&src, &mut files);
    let sources: Vec<(String, String)> = files
        .iter()
        .map(|path| {
            let rel = path
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(path).unwrap())
        })
        .collect();
    let lib = &sources
        .iter()
        .find(|(rel, _)| rel == "lib.rs")
        .expect("lib.rs")
        .1;
    let root = RootItems::from_lib(lib);

    let modules: BTreeSet<&String> = root.modules.iter().collect();
    let listed: BTreeSet<&String> = rules.keys().filter(|group| *group != ROOT).collect();
    assert_eq!(
        listed, modules,
        "DESIGN.md's Layers table must have one row per top-level module of lib.rs"
    );

    let violations = check(&sources, &rules, &root);
    assert!(
        violations.is_empty(),
        "{} import(s) break DESIGN.md's layer rules:\n{}",
        violations.len(),
        violations
            .iter()
            .map(|v| format!("  {v}\n"))
            .collect::<String>()
    );
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// Reads the table under `## Layers`: `| \`module\` | \`a\`, \`b\` |`, or `nothing`.
fn parse_rules(design: &str) -> Result<Rules, String> {
    let section = design
        .split("\n## ")
        .find(|s| s.starts_with("Layers"))
        .ok_or("no `## Layers` section")?;
    let mut rules = Rules::new();
    for line in section.lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let [module, allowed, ..] = cells[..] else {
            return Err(format!("a row needs two cells: {line}"));
        };
        let Some(module) = backticked(module).into_iter().next() else {
            continue; // the header and the separator row
        };
        let allowed = backticked(allowed).into_iter().collect();
        if rules.insert(module.clone(), allowed).is_some() {
            return Err(format!("`{module}` has two rows"));
        }
    }
    if rules.is_empty() {
        return Err("the table has no rows".into());
    }
    Ok(rules)
}

fn backticked(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// What `crate::x` can name at the root: a module, or an item re-exported by `lib.rs`.
struct RootItems {
    modules: Vec<String>,
    /// Re-exported name → the module it comes from (`None`: another crate, like `reqwest`).
    reexports: BTreeMap<String, Option<String>>,
}

impl RootItems {
    fn from_lib(lib: &str) -> Self {
        let tokens = tokenize(&strip_comments_and_literals(lib));
        let mut modules = Vec::new();
        let mut reexports = BTreeMap::new();
        let mut depth = 0usize;
        let mut i = 0;
        while i < tokens.len() {
            match &tokens[i].kind {
                Tok::Punct('{') => depth += 1,
                Tok::Punct('}') => depth = depth.saturating_sub(1),
                Tok::Ident(kw) if depth == 0 && kw == "mod" => {
                    if let Some(Tok::Ident(name)) = tokens.get(i + 1).map(|t| &t.kind)
                        && !name.starts_with("__")
                    {
                        modules.push(name.clone());
                    }
                }
                Tok::Ident(kw) if depth == 0 && kw == "use" => {
                    let end = (i..tokens.len())
                        .find(|&j| tokens[j].kind == Tok::Punct(';'))
                        .unwrap_or(tokens.len());
                    let words: Vec<&str> = tokens[i + 1..end]
                        .iter()
                        .filter_map(|t| match &t.kind {
                            Tok::Ident(w) => Some(w.as_str()),
                            _ => None,
                        })
                        .collect();
                    // `use m::{A, B}` / `use m::A` / `use krate` / `use krate as alias`
                    if let Some((first, rest)) = words.split_first() {
                        if rest.is_empty() || rest.first() == Some(&"as") {
                            reexports.insert(rest.last().unwrap_or(first).to_string(), None);
                        } else {
                            for name in rest {
                                reexports.insert(name.to_string(), Some(first.to_string()));
                            }
                        }
                    }
                    i = end;
                }
                _ => {}
            }
            i += 1;
        }
        Self { modules, reexports }
    }

    /// The top-level module `crate::<first>` belongs to; `Ok(None)` for another crate's
    /// re-export, `Err` for a name the root does not have.
    fn group_of(&self, first: &str) -> Result<Option<String>, ()> {
        if self.modules.iter().any(|m| m == first) {
            return Ok(Some(first.to_owned()));
        }
        self.reexports.get(first).cloned().ok_or(())
    }
}

/// One path that breaks a rule.
#[derive(Debug, PartialEq)]
struct Violation {
    file: String,
    line: usize,
    path: String,
    from: String,
    to: String,
    allowed: Vec<String>,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let allowed = if self.allowed.is_empty() {
            "nothing else".to_owned()
        } else {
            self.allowed.join(", ")
        };
        write!(
            f,
            "src/{}:{}: `{}` names `{}`, but `{}` may import only: {}",
            self.file, self.line, self.path, self.to, self.from, allowed
        )
    }
}

/// Checks each `(path under src/, source)` against `rules`.
fn check(sources: &[(String, String)], rules: &Rules, root: &RootItems) -> Vec<Violation> {
    let mut violations = Vec::new();
    for (file, source) in sources {
        let module = module_path(file);
        let from = module.first().cloned().unwrap_or_else(|| ROOT.to_owned());
        let allowed = rules.get(&from);
        for found in crate_paths(source, &module) {
            let to = match found.resolved.first() {
                None => Ok(Some(ROOT.to_owned())),
                Some(first) => root.group_of(first),
            };
            let to = match to {
                Ok(Some(to)) => to,
                Ok(None) => continue, // another crate re-exported at the root
                Err(()) => format!("{} (not a module or root re-export)", found.resolved[0]),
            };
            if to == from || allowed.is_some_and(|a| a.contains(&to)) {
                continue;
            }
            violations.push(Violation {
                file: file.clone(),
                line: found.line,
                path: found.text,
                from: from.clone(),
                to,
                allowed: allowed
                    .map(|a| a.iter().cloned().collect())
                    .unwrap_or_else(|| vec!["(no row in the table)".to_owned()]),
            });
        }
    }
    violations
}

/// `oauth2/token.rs` → `[oauth2, token]`; `engine/mod.rs` → `[engine]`; `lib.rs` → `[]`.
fn module_path(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = file
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_owned)
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// A `crate::` or `super::` path, resolved to absolute segments (as far as they matter).
#[derive(Debug, PartialEq)]
struct FoundPath {
    line: usize,
    text: String,
    resolved: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    PathSep,
    Punct(char),
}

struct Token {
    kind: Tok,
    line: usize,
}

/// Every `crate::` / `$crate::` / `super::` path in `source`, a file of module `module`,
/// following inline `mod name { .. }` blocks so `super` resolves as rustc resolves it.
fn crate_paths(source: &str, module: &[String]) -> Vec<FoundPath> {
    let tokens = tokenize(&strip_comments_and_literals(source));
    let mut found = Vec::new();
    let mut inline_mods: Vec<(String, usize)> = Vec::new(); // (name, depth inside its braces)
    let mut depth = 0usize;
    let ident = |i: usize| match tokens.get(i).map(|t| &t.kind) {
        Some(Tok::Ident(s)) => Some(s.as_str()),
        _ => None,
    };
    let is = |i: usize, kind: Tok| tokens.get(i).map(|t| &t.kind) == Some(&kind);
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i].kind {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                if inline_mods.last().is_some_and(|(_, d)| *d == depth) {
                    inline_mods.pop();
                }
                depth = depth.saturating_sub(1);
            }
            Tok::Ident(kw) if kw == "mod" => {
                if let Some(name) = ident(i + 1)
                    && is(i + 2, Tok::Punct('{'))
                {
                    inline_mods.push((name.to_owned(), depth + 1));
                }
            }
            Tok::Ident(head)
                if (head == "crate" || head == "super")
                    && is(i + 1, Tok::PathSep)
                    && (i == 0 || !is(i - 1, Tok::PathSep)) =>
            {
                let line = tokens[i].line;
                let mut base: Vec<String> = Vec::new();
                let mut text = String::new();
                let mut j = i;
                if head == "super" {
                    base = module.to_vec();
                    base.extend(inline_mods.iter().map(|(name, _)| name.clone()));
                    while ident(j) == Some("super") && is(j + 1, Tok::PathSep) {
                        base.pop();
                        text.push_str("super::");
                        j += 2;
                    }
                } else {
                    text.push_str("crate::");
                    j += 2;
                }
                if is(j, Tok::Punct('{')) {
                    // `crate::{a::X, b}`: one path per item, named by its first segment.
                    let mut level = 0usize;
                    let mut at_item_start = true;
                    while j < tokens.len() {
                        match &tokens[j].kind {
                            Tok::Punct('{') => level += 1,
                            Tok::Punct('}') => {
                                level -= 1;
                                if level == 0 {
                                    break;
                                }
                            }
                            Tok::Punct(',') if level == 1 => at_item_start = true,
                            Tok::Ident(seg) if level == 1 && at_item_start => {
                                at_item_start = false;
                                let mut resolved = base.clone();
                                if seg != "self" {
                                    resolved.push(seg.clone());
                                }
                                found.push(FoundPath {
                                    line: tokens[j].line,
                                    text: format!("{text}{seg}"),
                                    resolved,
                                });
                            }
                            _ => at_item_start = false,
                        }
                        j += 1;
                    }
                } else {
                    let mut resolved = base;
                    while let Some(seg) = ident(j) {
                        resolved.push(seg.to_owned());
                        text.push_str(seg);
                        if !is(j + 1, Tok::PathSep) {
                            break;
                        }
                        text.push_str("::");
                        j += 2;
                    }
                    found.push(FoundPath {
                        line,
                        text: text.trim_end_matches("::").to_owned(),
                        resolved,
                    });
                }
                i = j;
            }
            _ => {}
        }
        i += 1;
    }
    found
}

fn tokenize(clean: &str) -> Vec<Token> {
    let chars: Vec<char> = clean.chars().collect();
    let mut tokens = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let kind = Tok::Ident(chars[start..i].iter().collect());
            tokens.push(Token { kind, line });
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            tokens.push(Token {
                kind: Tok::PathSep,
                line,
            });
            i += 2;
        } else {
            tokens.push(Token {
                kind: Tok::Punct(c),
                line,
            });
            i += 1;
        }
    }
    tokens
}

/// `source` with comments (doc comments too), string and char literals blanked out; line
/// breaks are kept so line numbers stay right, and a `'{'` cannot unbalance the braces.
fn strip_comments_and_literals(source: &str) -> String {
    let c: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let blank = |out: &mut String, from: &[char]| {
        out.extend(from.iter().map(|&ch| if ch == '\n' { '\n' } else { ' ' }));
    };
    let ident_char = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut i = 0;
    while i < c.len() {
        let next = c.get(i + 1).copied();
        if c[i] == '/' && next == Some('/') {
            let end = (i..c.len()).find(|&j| c[j] == '\n').unwrap_or(c.len());
            blank(&mut out, &c[i..end]);
            i = end;
        } else if c[i] == '/' && next == Some('*') {
            let (mut j, mut level) = (i + 2, 1);
            while j < c.len() && level > 0 {
                if c[j] == '/' && c.get(j + 1) == Some(&'*') {
                    level += 1;
                    j += 2;
                } else if c[j] == '*' && c.get(j + 1) == Some(&'/') {
                    level -= 1;
                    j += 2;
                } else {
                    j += 1;
                }
            }
            blank(&mut out, &c[i..j]);
            i = j;
        } else if c[i] == 'r'
            && (i == 0
                || !ident_char(c[i - 1])
                || (c[i - 1] == 'b' && (i < 2 || !ident_char(c[i - 2]))))
            && matches!(next, Some('"' | '#'))
        {
            // A raw string `r"..."` / `r#"..."#` (or a raw identifier `r#name`, kept).
            let hashes = (i + 1..c.len()).take_while(|&j| c[j] == '#').count();
            if c.get(i + 1 + hashes) != Some(&'"') {
                out.push(c[i]);
                i += 1;
                continue;
            }
            let mut j = i + 2 + hashes;
            while j < c.len() && !(c[j] == '"' && (1..=hashes).all(|h| c.get(j + h) == Some(&'#')))
            {
                j += 1;
            }
            let end = (j + 1 + hashes).min(c.len());
            blank(&mut out, &c[i..end]);
            i = end;
        } else if c[i] == '"' {
            let mut j = i + 1;
            while j < c.len() && c[j] != '"' {
                j += if c[j] == '\\' { 2 } else { 1 };
            }
            let end = (j + 1).min(c.len());
            blank(&mut out, &c[i..end]);
            i = end;
        } else if c[i] == '\'' {
            // A char literal (`'x'`, `'\''`, `'\u{7b}'`); otherwise a lifetime or label.
            let end = if next == Some('\\') {
                (i + 2..c.len())
                    .find(|&j| c[j] == '\'' && j > i + 2)
                    .map(|j| j + 1)
            } else if c.get(i + 2) == Some(&'\'') {
                Some(i + 3)
            } else {
                None
            };
            match end {
                Some(end) => {
                    blank(&mut out, &c[i..end]);
                    i = end;
                }
                None => {
                    out.push(c[i]);
                    i += 1;
                }
            }
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

// The checker itself, on small in-memory crates: each form of path is caught, and what is
// not a path is not.

fn rules(rows: &[(&str, &[&str])]) -> Rules {
    rows.iter()
        .map(|(m, allowed)| {
            (
                m.to_string(),
                allowed.iter().map(|a| a.to_string()).collect(),
            )
        })
        .collect()
}

const LIB: &str = "
pub mod client;
pub mod oauth2;
pub mod wire;
pub use client::Client;
pub use reqwest;
pub use oauth_compat_macros as __macros;
#[doc(hidden)]
pub mod __private {}
";

fn violations(file: &str, source: &str) -> Vec<(usize, String, String)> {
    let table = rules(&[
        ("client", &["oauth2", "wire"]),
        ("oauth2", &["wire"]),
        ("wire", &[]),
    ]);
    let sources = vec![(file.to_owned(), source.to_owned())];
    check(&sources, &table, &RootItems::from_lib(LIB))
        .into_iter()
        .map(|v| (v.line, v.path, v.to))
        .collect()
}

#[test]
fn checker_catches_a_use_line() {
    let found = violations(
        "oauth2/token.rs",
        "use std::fmt;\nuse crate::client::now_unix;\n",
    );
    assert_eq!(
        found,
        [(2, "crate::client::now_unix".into(), "client".into())]
    );
}

#[test]
fn checker_catches_each_item_of_a_use_group() {
    let source = "use crate::{wire::Clock, client::{Client, now}};";
    let found = violations("oauth2/token.rs", source);
    assert_eq!(found, [(1, "crate::client".into(), "client".into())]);
}

#[test]
fn checker_catches_an_expression_and_a_root_reexport() {
    let source =
        "fn f() -> i64 {\n    let t = crate::client::now_unix();\n    crate::Client::new()\n}\n";
    let found = violations("oauth2/token.rs", source);
    assert_eq!(
        found,
        [
            (2, "crate::client::now_unix".into(), "client".into()),
            (3, "crate::Client::new".into(), "client".into()),
        ]
    );
}

#[test]
fn checker_catches_a_macro_body() {
    let source = "macro_rules! m {\n    () => { $crate::client::Client::new() };\n}\n";
    let found = violations("wire/clock.rs", source);
    assert_eq!(
        found,
        [(2, "crate::client::Client::new".into(), "client".into())]
    );
    let source = "fn f() { println!(\"{}\", crate::client::now()); }";
    assert_eq!(violations("wire/clock.rs", source).len(), 1);
}

#[test]
fn checker_resolves_super_against_the_file_and_inline_modules() {
    // oauth2/token.rs: `super` is oauth2, `super::super` the crate root.
    assert!(violations("oauth2/token.rs", "use super::form::Form;").is_empty());
    let found = violations("oauth2/token.rs", "use super::super::client::Client;");
    assert_eq!(
        found,
        [(1, "super::super::client::Client".into(), "client".into())]
    );
    // Inside `mod tests { .. }` of oauth2/mod.rs, `super` is oauth2 again, `super::super` the root.
    let source = "mod tests {\n    use super::Token;\n    use super::super::client::Client;\n}\nuse super::client::X;\n";
    let found = violations("oauth2/mod.rs", source);
    assert_eq!(
        found,
        [
            (3, "super::super::client::Client".into(), "client".into()),
            (5, "super::client::X".into(), "client".into()),
        ]
    );
    let found = violations("oauth2/mod.rs", "use super::{wire::Clock, client::Client};");
    assert_eq!(found, [(1, "super::client".into(), "client".into())]);
}

#[test]
fn checker_skips_comments_strings_and_other_crates() {
    let source = r##"
// crate::client::now_unix() in a comment
/// [`Client`](crate::client::Client) in a doc comment
/* crate::client:: in a block /* nested */ crate::client */
fn f() {
    let s = "crate::client::Client";
    let r = r#"crate::client::Client"#;
    let c = '{';
    let _ = base64::engine::general_purpose::STANDARD;
    let _ = crate::reqwest::Client::new();
}
pub(crate) fn g<'a>(x: &'a str) -> &'a str { x }
"##;
    assert_eq!(violations("oauth2/token.rs", source), []);
}

#[test]
fn checker_names_an_unknown_root_item_and_allows_what_the_table_allows() {
    let found = violations("oauth2/token.rs", "use crate::nowhere::X;");
    assert_eq!(
        found,
        [(
            1,
            "crate::nowhere::X".into(),
            "nowhere (not a module or root re-export)".into()
        )]
    );
    assert!(
        violations(
            "client/oauth2.rs",
            "use crate::oauth2::Token; use crate::wire::X;"
        )
        .is_empty()
    );
}

#[test]
fn the_table_is_read_from_markdown() {
    let design = "# x\n\n## Layers\n\ntext\n\n| module | may import |\n|---|---|\n| `wire` | nothing |\n| `oauth2` | `wire`, `secret` |\n\n## Next\n| `client` | `x` |\n";
    let parsed = parse_rules(design).unwrap();
    assert_eq!(
        parsed,
        rules(&[("oauth2", &["secret", "wire"]), ("wire", &[])])
    );
    let twice = "\n## Layers\n| `wire` | nothing |\n| `wire` | `env` |\n";
    assert_eq!(parse_rules(twice).unwrap_err(), "`wire` has two rows");
}
