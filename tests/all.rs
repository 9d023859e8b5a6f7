//! The one integration test binary (one link, one build in CI): every suite lives in
//! `tests/suite/`, shared helpers (scripted model server, real Codex setup) in `tests/support/`.

mod suite;
mod support;
