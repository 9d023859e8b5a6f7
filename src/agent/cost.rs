//! Cost estimates: tokens × a price table.
//!
//! The shipped prices are OpenAI's published list prices per million tokens for the models
//! codexmcp names by default, as known when this table was written; prices change, so they are
//! an estimate, and `config.toml` overrides or extends them:
//!
//! ```toml
//! [prices."gpt-5.5"]
//! input = 1.25          # $ per 1M input tokens
//! cached_input = 0.125  # $ per 1M cached input tokens
//! output = 10.0         # $ per 1M output tokens
//! ```
//!
//! A model without a price shows tokens only, never a made-up dollar figure.

use std::collections::BTreeMap;

pub use crate::config::Price;

/// Defaults: list prices in US$ per 1M tokens (input, cached input, output).
const DEFAULTS: &[(&str, f64, f64, f64)] = &[
    ("gpt-5.5", 1.25, 0.125, 10.0),
    ("gpt-5", 1.25, 0.125, 10.0),
    ("gpt-5-codex", 1.25, 0.125, 10.0),
    ("gpt-5-mini", 0.25, 0.025, 2.0),
    ("gpt-5-nano", 0.05, 0.005, 0.4),
    ("gpt-4.1", 2.0, 0.5, 8.0),
    ("gpt-4.1-mini", 0.4, 0.1, 1.6),
    ("o4-mini", 1.1, 0.275, 4.4),
];

#[derive(Debug, Clone)]
pub struct PriceTable(BTreeMap<String, Price>);

impl PriceTable {
    /// The defaults with `config.toml` entries layered on top.
    pub fn new(overrides: &BTreeMap<String, Price>) -> Self {
        let mut map: BTreeMap<String, Price> = DEFAULTS
            .iter()
            .map(|&(m, i, c, o)| {
                (
                    m.to_string(),
                    Price {
                        input: i,
                        cached_input: Some(c),
                        output: o,
                    },
                )
            })
            .collect();
        map.extend(overrides.iter().map(|(k, v)| (k.clone(), *v)));
        Self(map)
    }

    /// Dollars for a usage, or `None` when the model has no price.
    pub fn estimate(&self, model: &str, input: u64, cached: u64, output: u64) -> Option<f64> {
        let p = self.0.get(model)?;
        let uncached = input.saturating_sub(cached) as f64;
        let cached_price = p.cached_input.unwrap_or(p.input);
        Some((uncached * p.input + cached as f64 * cached_price + output as f64 * p.output) / 1e6)
    }
}

/// `$0.0123`, or `—` when unknown.
pub fn dollars(v: Option<f64>) -> String {
    match v {
        Some(d) if d < 0.01 => format!("${d:.4}"),
        Some(d) => format!("${d:.2}"),
        None => "—".into(),
    }
}
