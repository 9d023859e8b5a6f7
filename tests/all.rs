//! The one integration test binary (one link, one build in CI): every suite lives in
//! `tests/suite/`, shared helpers (scripted model server, real Codex setup) in `tests/support/`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

mod suite;
mod support;
