//! The front matter of a `SKILL.md`: the `name` and `description` Codex requires, read with a
//! small hand-written YAML subset (plain, quoted and block scalars) — all these two keys need,
//! instead of a YAML dependency. A broken front matter is an error saying why, never a panic.

pub(super) const MAX_NAME_CHARS: usize = 64;
const MAX_DESCRIPTION_CHARS: usize = 1024;
const NO_FRONT_MATTER: &str = "missing YAML front matter delimited by ---";

/// `(name, description)` from the front matter that opens a `SKILL.md`, or why there is none.
pub fn parse_front_matter(text: &str) -> Result<(String, String), String> {
    let lines = front_matter(text).ok_or_else(|| NO_FRONT_MATTER.to_string())?;
    let (mut name, mut description): (Option<String>, Option<String>) = (None, None);
    let mut i = 0;
    while i < lines.len() {
        let (number, line) = (i + 2, lines[i]);
        i += 1;
        // A key's value may go on over the following blank or more-indented lines.
        let start = i;
        while i < lines.len() && (lines[i].trim().is_empty() || indent(lines[i]) > indent(line)) {
            i += 1;
        }
        let entry = line.trim();
        let comment = entry.is_empty() || entry.starts_with('#');
        if comment || indent(line) > 0 || is_list_item(entry) {
            continue; // nothing, or part of a value this subset does not read
        }
        let Some((key, value)) = entry.split_once(':') else {
            return Err(format!(
                "invalid YAML front matter: line {number} is not `key: value`"
            ));
        };
        let key = key.trim().trim_matches(|c: char| c == '"' || c == '\'');
        let slot = match key {
            "name" => &mut name,
            "description" => &mut description,
            _ => continue,
        };
        let value = scalar(value.trim(), &lines[start..i])
            .map_err(|e| format!("invalid `{key}` in front matter: {e}"))?;
        *slot = Some(value);
    }
    let name = single_line(&name.unwrap_or_default());
    if name.is_empty() {
        return Err("front matter has no `name`".into());
    }
    let description = description.unwrap_or_default().trim().to_string();
    if description.is_empty() {
        return Err("front matter has no `description`".into());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!("`name` is longer than {MAX_NAME_CHARS} characters"));
    }
    if single_line(&description).chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(format!(
            "`description` is longer than {MAX_DESCRIPTION_CHARS} characters"
        ));
    }
    Ok((name, description))
}

/// The lines between a `---` first line and the next `---` line, if both exist.
fn front_matter(text: &str) -> Option<Vec<&str>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines();
    if lines.next()?.trim() != "---" {
        return None;
    }
    let mut block = Vec::new();
    for line in lines {
        if line.trim() == "---" {
            return (!block.is_empty()).then_some(block);
        }
        block.push(line);
    }
    None
}

/// One scalar: `first` is what follows `key:`, `more` the lines that continue it.
fn scalar(first: &str, more: &[&str]) -> Result<String, String> {
    if first.starts_with('|') || first.starts_with('>') {
        return Ok(block_scalar(first.starts_with('|'), more));
    }
    let lines = std::iter::once(first).chain(more.iter().copied());
    if first.starts_with('"') || first.starts_with('\'') {
        return unquote(&fold(lines));
    }
    let next = more
        .iter()
        .map(|l| l.trim())
        .find(|l| !l.is_empty() && !l.starts_with('#'));
    let nested = next.filter(|_| strip_comment(first).is_empty());
    if nested.is_some_and(|l| is_list_item(l) || l.ends_with(':') || l.contains(": ")) {
        return Err("expected text, found a nested list or mapping".into());
    }
    Ok(fold(lines.map(strip_comment)))
}

/// `|` keeps line breaks (minus the block's indentation); `>` folds lines into spaces.
fn block_scalar(literal: bool, lines: &[&str]) -> String {
    if !literal {
        return fold(lines.iter().copied());
    }
    let strip = lines
        .iter()
        .find(|l| !l.trim().is_empty())
        .map_or(0, |l| indent(l));
    let kept: Vec<&str> = lines
        .iter()
        .map(|l| {
            if indent(l) >= strip {
                &l[strip..]
            } else {
                l.trim_start()
            }
        })
        .collect();
    kept.join("\n").trim().to_string()
}

/// YAML line folding: lines joined by a space, each blank line becoming a line break.
fn fold<'a>(lines: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    let mut breaks = 0;
    for line in lines.map(str::trim) {
        if line.is_empty() {
            breaks += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(&if breaks == 0 {
                " ".to_string()
            } else {
                "\n".repeat(breaks)
            });
        }
        breaks = 0;
        out.push_str(line);
    }
    out
}

/// A single- or double-quoted scalar (with YAML's escapes), optionally followed by a comment.
fn unquote(raw: &str) -> Result<String, String> {
    let mut chars = raw.chars();
    let quote = chars.next().unwrap_or('"');
    let mut out = String::new();
    loop {
        let Some(c) = chars.next() else {
            return Err("unterminated quoted string".into());
        };
        if c == quote {
            if quote == '\'' && chars.as_str().starts_with('\'') {
                chars.next();
                out.push('\'');
                continue;
            }
            break;
        }
        if c != '\\' || quote == '\'' {
            out.push(c);
            continue;
        }
        let escaped = chars.next().ok_or("unterminated quoted string")?;
        match escaped {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '0' => out.push('\0'),
            ' ' | '"' | '\\' | '/' => out.push(escaped),
            'u' => {
                let hex: String = chars.by_ref().take(4).collect();
                let decoded = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                out.push(decoded.ok_or_else(|| format!("invalid escape \\u{hex}"))?);
            }
            other => return Err(format!("unknown escape \\{other}")),
        }
    }
    let rest = chars.as_str().trim();
    if rest.is_empty() || rest.starts_with('#') {
        Ok(out)
    } else {
        Err(format!("unexpected text after the closing quote: {rest}"))
    }
}

/// A plain scalar line without its ` # comment`.
fn strip_comment(line: &str) -> &str {
    let line = line.trim();
    if line.starts_with('#') {
        return "";
    }
    let cut = line
        .char_indices()
        .find(|&(i, c)| c == '#' && line[..i].ends_with(char::is_whitespace))
        .map_or(line.len(), |(i, _)| i);
    line[..cut].trim_end()
}

fn indent(line: &str) -> usize {
    line.bytes()
        .take_while(|b| *b == b' ' || *b == b'\t')
        .count()
}

fn is_list_item(entry: &str) -> bool {
    entry == "-" || entry.starts_with("- ")
}

fn single_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
