//! Popup pickers: skills (`$`), stored sessions (`/resume`) and models (`/model`).
//!
//! Both are the same thing — a list, a query, a fuzzy filter, a selection — so one generic
//! [`Picker`] serves both. Ranking uses `nucleo-matcher`, the matcher Helix uses, so `snk`
//! finds `snake-game` and better matches come first; an empty query keeps the original order.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use crate::session::SessionRecord;
use crate::skills::Skill;

/// Something a picker can list.
pub trait Pickable {
    /// The text the query is matched against.
    fn haystack(&self) -> String;
}

impl Pickable for Skill {
    fn haystack(&self) -> String {
        format!("{} {}", self.name, self.description)
    }
}

impl Pickable for crate::engine::app_lists::CodexModel {
    fn haystack(&self) -> String {
        format!("{} {}", self.id, self.description)
    }
}

impl Pickable for crate::engine::review::Finding {
    fn haystack(&self) -> String {
        let file = self.file.as_deref().unwrap_or_default();
        format!("{} {file} {}", self.title, self.body)
    }
}

impl Pickable for SessionRecord {
    fn haystack(&self) -> String {
        format!("{} {} {}", self.title, self.id, self.cwd)
    }
}

#[derive(Debug, Clone)]
pub struct Picker<T> {
    pub items: Vec<T>,
    pub query: String,
    /// Indices into `items`, best match first.
    pub filtered: Vec<usize>,
    pub selected: usize,
}

impl<T: Pickable> Picker<T> {
    pub fn new(items: Vec<T>, query: &str) -> Self {
        let mut p = Self {
            items,
            query: String::new(),
            filtered: Vec::new(),
            selected: 0,
        };
        p.set_query(query);
        p
    }

    pub fn set_query(&mut self, query: &str) {
        self.query = query.to_string();
        self.filtered = rank(&self.items, query);
        self.selected = self.selected.min(self.filtered.len().saturating_sub(1));
        if query.is_empty() {
            self.selected = 0;
        }
    }

    pub fn up(&mut self) {
        self.selected = self.selected.saturating_sub(1);
    }

    pub fn down(&mut self) {
        if self.selected + 1 < self.filtered.len() {
            self.selected += 1;
        }
    }

    pub fn current(&self) -> Option<&T> {
        self.filtered
            .get(self.selected)
            .and_then(|&i| self.items.get(i))
    }

    pub fn visible(&self) -> impl Iterator<Item = (bool, &T)> {
        self.filtered
            .iter()
            .enumerate()
            .filter_map(|(n, &i)| Some((n == self.selected, self.items.get(i)?)))
    }
}

/// Fuzzy ranking: indices of matching items, best first (stable for equal scores).
pub fn rank<T: Pickable>(items: &[T], query: &str) -> Vec<usize> {
    if query.trim().is_empty() {
        return (0..items.len()).collect();
    }
    let mut matcher = Matcher::new(Config::DEFAULT);
    let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
    let mut buf = Vec::new();
    let mut scored: Vec<(usize, u32)> = items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let hay = item.haystack();
            pattern
                .score(Utf32Str::new(&hay, &mut buf), &mut matcher)
                .map(|s| (i, s))
        })
        .collect();
    scored.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    scored.into_iter().map(|(i, _)| i).collect()
}
