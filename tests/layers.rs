//! The file graph of `src/`: which file uses which, read from the `crate::` / `super::` paths
//! of the code outside test modules. It must have no cycle, and the layers keep to their own
//! floors (see "The code, layer by layer" in README.md):
//!
//! - `wire/` (sans-I/O codec) uses only `wire/`, `types/`, `error.rs` and `mime.rs`;
//! - `types/` (owned public types) uses only `types/`, `error.rs` and `mime.rs`;
//! - `mime.rs` and `error.rs` use nothing above `types/`;
//! - `auth.rs` / `auth/` (SASL) and `transport.rs` / `transport/` (sockets, TLS, COMPRESS)
//!   use nothing of connections, sessions or commands;
//! - `extensions/` (commands) is used by no file outside it.
//!
//! `scripts/file-graph.sh` prints the graph (`BLOCKING_IMAP_PRINT_GRAPH=1`), bottom up.
//!
//! How a path is read: `use` trees are expanded to whole paths, and any other
//! `crate::a::b` / `super::a` chain in the code counts too. A path goes to the deepest file
//! module it names; the item after that is looked up there: defined in that file, it is an
//! edge to that file; brought in by a `use` there (a re-export), the `use` is followed to the
//! file that defines it. A re-export is not an edge of its own: `lib.rs` and the `mod.rs`
//! files are façades, and a façade does not make a layer depend on what it shows.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One token of Rust source, after comments and literals are gone.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    PathSep,
    Punct(char),
}

/// Source text without comments, string/char literals; lifetimes kept as plain text.
fn strip(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == b'r'
            && matches!(b.get(i + 1), Some(b'#') | Some(b'"'))
            && !ident_before(b, i)
        {
            // Raw string r"..." / r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&b'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&b'"') {
                out.push('r');
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == b'"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&b'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            i = j;
            out.push_str("\"\"");
        } else if c == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == b'\'' {
            // A char literal ('a', '\n', '\u{..}') or a lifetime ('a).
            if b.get(i + 1) == Some(&b'\\') {
                let mut j = i + 2;
                while j < b.len() && b[j] != b'\'' {
                    j += 1;
                }
                i = j + 1;
                out.push_str("' '");
            } else {
                let ch_len = src[i + 1..].chars().next().map_or(1, char::len_utf8);
                if b.get(i + 1 + ch_len) == Some(&b'\'') {
                    i += 2 + ch_len;
                    out.push_str("' '");
                } else {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            let ch = src[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

fn ident_before(b: &[u8], i: usize) -> bool {
    i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')
}

fn tokenize(src: &str) -> Vec<Tok> {
    let mut toks = Vec::new();
    let chars: Vec<char> = src.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            toks.push(Tok::Ident(chars[start..i].iter().collect()));
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            toks.push(Tok::PathSep);
            i += 2;
        } else if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            toks.push(Tok::Punct('0'));
        } else {
            toks.push(Tok::Punct(c));
            i += 1;
        }
    }
    toks
}

fn is_ident(t: Option<&Tok>, name: &str) -> bool {
    matches!(t, Some(Tok::Ident(s)) if s == name)
}

/// Drops every item under `#[cfg(test)]` (and `#[cfg(all(test, ..))]`): test modules may use
/// anything.
fn drop_test_items(toks: Vec<Tok>) -> Vec<Tok> {
    let mut out = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        if toks[i] == Tok::Punct('#') && toks.get(i + 1) == Some(&Tok::Punct('[')) {
            // The attribute's tokens, up to its closing bracket.
            let mut j = i + 2;
            let mut depth = 1;
            while j < toks.len() && depth > 0 {
                match toks[j] {
                    Tok::Punct('[') => depth += 1,
                    Tok::Punct(']') => depth -= 1,
                    _ => {}
                }
                j += 1;
            }
            let attr = &toks[i + 2..j.saturating_sub(1)];
            let is_test = is_ident(attr.first(), "cfg")
                && attr.iter().any(|t| is_ident(Some(t), "test"))
                && !attr.iter().any(|t| is_ident(Some(t), "not"));
            if !is_test {
                out.extend_from_slice(&toks[i..j]);
                i = j;
                continue;
            }
            // Skip the item: up to a `;` at depth 0, or the end of its first `{ }` block.
            let mut k = j;
            let mut depth = 0i32;
            while k < toks.len() {
                match toks[k] {
                    Tok::Punct('{') | Tok::Punct('(') | Tok::Punct('[') => depth += 1,
                    Tok::Punct('}') | Tok::Punct(')') | Tok::Punct(']') => {
                        depth -= 1;
                        if depth == 0 && toks[k] == Tok::Punct('}') {
                            k += 1;
                            break;
                        }
                    }
                    Tok::Punct(';') if depth == 0 => {
                        k += 1;
                        break;
                    }
                    _ => {}
                }
                k += 1;
            }
            i = k;
        } else {
            out.push(toks[i].clone());
            i += 1;
        }
    }
    out
}

/// Expands a `use` tree starting at `toks[i]` (just after `use`); returns the paths (each with
/// the name it is known by in this file) and the index after the `;`.
fn use_tree(toks: &[Tok], mut i: usize) -> (Vec<(Vec<String>, String)>, usize) {
    fn tree(toks: &[Tok], i: &mut usize, prefix: &[String], out: &mut Vec<(Vec<String>, String)>) {
        let mut path = prefix.to_vec();
        loop {
            match toks.get(*i) {
                Some(Tok::Ident(s)) => {
                    path.push(s.clone());
                    *i += 1;
                }
                Some(Tok::PathSep) => *i += 1,
                Some(Tok::Punct('{')) => {
                    *i += 1;
                    loop {
                        match toks.get(*i) {
                            Some(Tok::Punct('}')) => {
                                *i += 1;
                                return;
                            }
                            Some(Tok::Punct(',')) => *i += 1,
                            None => return,
                            _ => tree(toks, i, &path, out),
                        }
                    }
                }
                Some(Tok::Punct('*')) => {
                    *i += 1;
                    path.push("*".into());
                    out.push((path, "*".into()));
                    return;
                }
                _ => {
                    // End of this leaf: `as name`?
                    let mut name = path.last().cloned().unwrap_or_default();
                    if path.len() >= 2 && path[path.len() - 2] == "as" {
                        name = path.pop().unwrap_or_default();
                        path.pop();
                    }
                    if path.last().is_some_and(|s| s == "self") {
                        path.pop();
                        name = path.last().cloned().unwrap_or_default();
                    }
                    out.push((path, name));
                    return;
                }
            }
        }
    }
    let mut out = Vec::new();
    tree(toks, &mut i, &[], &mut out);
    while i < toks.len() && toks[i] != Tok::Punct(';') {
        i += 1;
    }
    (out, i + 1)
}

/// What one file holds, for the resolver.
#[derive(Default)]
struct FileInfo {
    /// Items defined here (types, functions, constants, macros, inline modules).
    defined: BTreeSet<String>,
    /// Names brought in by `use`, with the absolute path each stands for; re-exports
    /// among them.
    imports: BTreeMap<String, Vec<String>>,
    /// Glob imports (`use x::*`), absolute module paths.
    globs: Vec<Vec<String>>,
    /// Every absolute path the code uses (outside `use` declarations that only re-export).
    uses: Vec<Vec<String>>,
}

struct Graph {
    /// Module path (`crate::wire::parse`) -> file (relative to src/).
    modules: BTreeMap<Vec<String>, String>,
    files: BTreeMap<String, FileInfo>,
}

fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = vec!["crate".into()];
    let comps: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    for (n, c) in comps.iter().enumerate() {
        let last = n + 1 == comps.len();
        if last {
            let stem = c.trim_end_matches(".rs");
            if stem != "mod" && stem != "lib" {
                parts.push(stem.to_string());
            }
        } else {
            parts.push(c.clone());
        }
    }
    parts
}

/// Makes `path` (as written in module `here`) absolute.
fn absolute(here: &[String], path: &[String]) -> Option<Vec<String>> {
    let first = path.first()?;
    match first.as_str() {
        "crate" => Some(path.to_vec()),
        "self" => {
            let mut p = here.to_vec();
            p.extend_from_slice(&path[1..]);
            Some(p)
        }
        "super" => {
            let mut p = here.to_vec();
            let mut rest = path;
            while rest.first().is_some_and(|s| s == "super") {
                p.pop();
                rest = &rest[1..];
            }
            p.extend_from_slice(rest);
            Some(p)
        }
        // `use error::Error` in lib.rs, `use fetch::Fetch` in a mod.rs: a path from this
        // module. A path into another crate (`std::io`) ends up naming no module of ours
        // below this one, and resolves to this same file, which is no edge.
        _ => {
            let mut p = here.to_vec();
            p.extend_from_slice(path);
            Some(p)
        }
    }
}

fn read_file(src_dir: &Path, rel: &Path, graph: &mut Graph) {
    let text = std::fs::read_to_string(src_dir.join(rel)).unwrap_or_default();
    let toks = drop_test_items(tokenize(&strip(&text)));
    let here = module_path(rel);
    let mut info = FileInfo::default();
    // Names this file re-exports, and the token ranges of its `use` declarations: a
    // re-exported name that the file's own code uses is a use too.
    let mut reexported: Vec<(String, Vec<String>)> = Vec::new();
    let mut in_use = vec![false; toks.len()];
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        if is_ident(Some(t), "use") {
            let is_pub = i > 0
                && (is_ident(toks.get(i - 1), "pub")
                    || (toks.get(i - 1) == Some(&Tok::Punct(')'))
                        && i >= 4
                        && is_ident(toks.get(i - 4), "pub")));
            let (paths, next) = use_tree(&toks, i + 1);
            for flag in in_use.iter_mut().take(next.min(toks.len())).skip(i) {
                *flag = true;
            }
            for (path, name) in paths {
                // `use std::..` and other crates: not ours.
                let Some(abs) = absolute(&here, &path) else {
                    continue;
                };
                if name == "*" {
                    let mut m = abs.clone();
                    m.pop();
                    info.globs.push(m.clone());
                    if !is_pub {
                        info.uses.push(m);
                    }
                    continue;
                }
                info.imports.insert(name.clone(), abs.clone());
                if is_pub {
                    reexported.push((name, abs));
                } else {
                    info.uses.push(abs);
                }
            }
            i = next;
            continue;
        }
        if let Tok::Ident(kw) = t {
            if matches!(
                kw.as_str(),
                "struct" | "enum" | "trait" | "type" | "fn" | "const" | "static" | "union" | "mod"
            ) {
                if let Some(Tok::Ident(name)) = toks.get(i + 1) {
                    info.defined.insert(name.clone());
                }
            }
            if kw == "macro_rules" {
                if let Some(Tok::Ident(name)) = toks.get(i + 2) {
                    info.defined.insert(name.clone());
                }
            }
            if (kw == "crate" || kw == "super")
                && toks.get(i + 1) == Some(&Tok::PathSep)
                && !(i > 0 && toks[i - 1] == Tok::PathSep)
                && !(kw == "crate"
                    && i >= 2
                    && toks[i - 1] == Tok::Punct('(')
                    && is_ident(toks.get(i - 2), "pub"))
            {
                let mut path = vec![kw.clone()];
                let mut j = i + 1;
                while toks.get(j) == Some(&Tok::PathSep) {
                    match toks.get(j + 1) {
                        Some(Tok::Ident(s)) => {
                            path.push(s.clone());
                            j += 2;
                        }
                        _ => break,
                    }
                }
                if let Some(abs) = absolute(&here, &path) {
                    info.uses.push(abs);
                }
                i = j;
                continue;
            }
        }
        i += 1;
    }
    for (name, abs) in reexported {
        let used_here = toks
            .iter()
            .zip(&in_use)
            .any(|(t, &u)| !u && is_ident(Some(t), &name));
        if used_here {
            info.uses.push(abs);
        }
    }
    let name = rel.to_string_lossy().replace('\\', "/");
    graph.modules.insert(here, name.clone());
    graph.files.insert(name, info);
}

impl Graph {
    fn load(src_dir: &Path) -> Graph {
        let mut graph = Graph {
            modules: BTreeMap::new(),
            files: BTreeMap::new(),
        };
        let mut stack = vec![PathBuf::new()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(src_dir.join(&dir)) else {
                continue;
            };
            for entry in entries.flatten() {
                let rel = dir.join(entry.file_name());
                if entry.path().is_dir() {
                    stack.push(rel);
                } else if rel.extension().is_some_and(|e| e == "rs") {
                    read_file(src_dir, &rel, &mut graph);
                }
            }
        }
        graph
    }

    /// The file that defines what `path` names (following re-exports), if it is ours.
    fn resolve(&self, path: &[String], depth: usize) -> Option<String> {
        if depth > 16 {
            return None;
        }
        // The deepest file module that `path` starts with.
        let mut n = path.len();
        while n > 0 && !self.modules.contains_key(&path[..n]) {
            n -= 1;
        }
        if n == 0 {
            return None;
        }
        let file = self.modules.get(&path[..n])?;
        let Some(item) = path.get(n) else {
            return Some(file.clone());
        };
        let info = self.files.get(file)?;
        if info.defined.contains(item) {
            return Some(file.clone());
        }
        if let Some(target) = info.imports.get(item) {
            let mut full = target.clone();
            full.extend_from_slice(&path[n + 1..]);
            if let Some(found) = self.resolve(&full, depth + 1) {
                return Some(found);
            }
        }
        for glob in &info.globs {
            let mut full = glob.clone();
            full.extend_from_slice(&path[n..]);
            if full.len() > n {
                if let Some(found) = self.resolve(&full, depth + 1) {
                    if found != *file {
                        return Some(found);
                    }
                }
            }
        }
        Some(file.clone())
    }

    fn edges(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (file, info) in &self.files {
            let out = edges.entry(file.clone()).or_default();
            for path in &info.uses {
                if let Some(to) = self.resolve(path, 0) {
                    if to != *file && to != "lib.rs" {
                        out.insert(to);
                    }
                }
            }
        }
        edges
    }
}

/// Strongly connected components of more than one file (Tarjan, iterative enough for a
/// hundred files).
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        let edges = s.edges;
        for w in edges.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(lw));
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(iw));
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                comp.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.out.push(comp);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out
}

/// Files in layer order: each after everything it uses (files in a cycle last).
fn bottom_up(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<(usize, String)> {
    let mut level: BTreeMap<&str, usize> = BTreeMap::new();
    let mut changed = true;
    let mut rounds = 0;
    while changed && rounds <= edges.len() {
        changed = false;
        rounds += 1;
        for (f, outs) in edges {
            let l = outs
                .iter()
                .map(|t| level.get(t.as_str()).map_or(0, |l| l + 1))
                .max()
                .unwrap_or(0);
            if level.get(f.as_str()) != Some(&l) {
                level.insert(f, l);
                changed = true;
            }
        }
    }
    let mut v: Vec<(usize, String)> = level.into_iter().map(|(f, l)| (l, f.to_string())).collect();
    v.sort();
    v
}

fn graph() -> (Graph, BTreeMap<String, BTreeSet<String>>) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let g = Graph::load(&src);
    let e = g.edges();
    (g, e)
}

/// The floor of a file: what it may use.
fn allowed(from: &str, to: &str) -> bool {
    let base = |f: &str| f == "error.rs" || f == "mime.rs";
    if from.starts_with("wire/") {
        return to.starts_with("wire/") || to.starts_with("types/") || base(to);
    }
    if from.starts_with("types/") {
        return to.starts_with("types/") || base(to);
    }
    if base(from) {
        return to.starts_with("types/") || base(to);
    }
    let low = |f: &str| base(f) || f.starts_with("types/") || f.starts_with("wire/");
    // SASL mechanisms: nothing of connections or sessions.
    if from == "auth.rs" || from.starts_with("auth/") {
        return low(to) || to == "auth.rs" || to.starts_with("auth/");
    }
    // Sockets, TLS, COMPRESS: nothing of the protocol engine above them.
    if from == "transport.rs" || from.starts_with("transport/") {
        return low(to) || to == "auth.rs" || to == "transport.rs" || to.starts_with("transport/");
    }
    // Commands are the top: nothing but another command file leans on one.
    if to.starts_with("extensions/") {
        return from.starts_with("extensions/");
    }
    true
}

#[test]
fn the_file_graph_has_no_cycle_and_keeps_its_layers() {
    let (g, edges) = graph();
    assert!(g.files.len() > 20, "src/ not found or nearly empty");
    if std::env::var_os("BLOCKING_IMAP_PRINT_GRAPH").is_some() {
        println!("src/ file graph, bottom up (level: file -> the files it uses)");
        for (level, f) in bottom_up(&edges) {
            let outs: Vec<&str> = edges[&f].iter().map(String::as_str).collect();
            println!("{level:>2} {f:<28} -> {}", outs.join(" "));
        }
    }
    let loops = cycles(&edges);
    let mut wrong = Vec::new();
    for (from, outs) in &edges {
        for to in outs {
            if !allowed(from, to) {
                wrong.push(format!("{from} -> {to}"));
            }
        }
    }
    assert!(
        loops.is_empty() && wrong.is_empty(),
        "cycles among files: {loops:#?}\nedges that leave their layer: {wrong:#?}"
    );
}

#[test]
fn the_reader_sees_what_it_must() {
    // The reader itself, on a small sample: a use tree with groups, `self`, `as` and
    // globs; a path in an expression; a test module that is ignored.
    let src = "use crate::a::{b::{self, C as D}, e::*};\n\
               pub use super::f::G;\n\
               fn x() { crate::h::i(); let s = \"crate::no::path\"; }\n\
               // crate::no::comment\n\
               #[cfg(test)]\nmod tests { use crate::t::u; }\n";
    let toks = drop_test_items(tokenize(&strip(src)));
    let text: String = toks
        .iter()
        .map(|t| match t {
            Tok::Ident(s) => s.clone(),
            Tok::PathSep => "::".into(),
            Tok::Punct(c) => c.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ");
    assert!(!text.contains("no"), "{text}");
    assert!(!text.contains("tests"), "{text}");
    let (paths, _) = use_tree(&tokenize("crate::a::{b::{self, C as D}, e::*};"), 0);
    let names: Vec<String> = paths
        .iter()
        .map(|(p, n)| format!("{}={n}", p.join("::")))
        .collect();
    assert_eq!(
        names,
        ["crate::a::b=b", "crate::a::b::C=D", "crate::a::e::*=*"],
        "{names:?}"
    );
    assert_eq!(
        absolute(
            &["crate".into(), "x".into(), "y".into()],
            &["super".into(), "z".into()]
        ),
        Some(vec!["crate".into(), "x".into(), "z".into()])
    );
    let mut e: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    e.entry("a".into()).or_default().insert("b".into());
    e.entry("b".into()).or_default().insert("a".into());
    e.entry("c".into()).or_default().insert("a".into());
    assert_eq!(cycles(&e), vec![vec!["a".to_string(), "b".to_string()]]);
    // The floors: what the issue that set them up found, each refused.
    for (from, to) in [
        ("wire/parse.rs", "extensions/acl.rs"),
        ("types/part.rs", "wire/fetch.rs"),
        ("transport.rs", "extensions/compress.rs"),
        ("state.rs", "extensions/search.rs"),
        ("auth/scram.rs", "client.rs"),
        ("error.rs", "conn.rs"),
    ] {
        assert!(!allowed(from, to), "{from} -> {to}");
    }
    assert!(allowed("wire/acl.rs", "types/acl.rs") && allowed("extensions/acl.rs", "session.rs"));
}
