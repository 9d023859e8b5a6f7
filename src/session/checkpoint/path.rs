//! A path inside the working dir, as the bytes the file system holds.
//!
//! A model can name a file anything a folder takes: Latin-1 bytes, a newline, an escape
//! sequence. Converting such a name to text lossily would make two names one (both `a\u{FFFD}`)
//! and make undo restore the wrong file, or none. So names stay bytes from the directory read
//! to the manifest, the diff and the restore; they become text only to be shown, escaped
//! visibly ([`RelPath::display`]). On the wire (manifests, `--json`) a name that is UTF-8 is a
//! plain string, one that is not an object `{"text": <shown escaped>, "b64": <its bytes>}`.

use std::fmt;
use std::path::PathBuf;

use base64::Engine;
use serde::{Deserialize, Serialize};

/// `/`-separated names below the working dir (never empty components, `.` or `..` when made
/// by a walk; the gateway refuses them anyway).
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RelPath(Vec<u8>);

impl RelPath {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `self/name` (just `name` below the root).
    pub fn join(&self, name: &[u8]) -> Self {
        let mut out = Vec::with_capacity(self.0.len() + 1 + name.len());
        if !self.0.is_empty() {
            out.extend_from_slice(&self.0);
            out.push(b'/');
        }
        out.extend_from_slice(name);
        Self(out)
    }

    /// How many folders deep (`a` is 0, `a/b` is 1).
    pub fn depth(&self) -> usize {
        self.0.iter().filter(|&&b| b == b'/').count()
    }

    /// Whether `self` lies inside the folder `dir`.
    pub fn is_inside(&self, dir: &RelPath) -> bool {
        self.0.len() > dir.0.len() && self.0.starts_with(&dir.0) && self.0[dir.0.len()] == b'/'
    }

    /// The name as text when it is UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }

    /// The name as a path (lossless).
    pub fn to_path(&self) -> PathBuf {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(std::ffi::OsStr::from_bytes(&self.0))
    }

    /// For people: control characters and bytes that are not UTF-8 shown, never hidden.
    pub fn display(&self) -> String {
        crate::text::bytes_literal(&self.0)
    }
}

impl From<&str> for RelPath {
    fn from(s: &str) -> Self {
        Self(s.as_bytes().to_vec())
    }
}

impl From<String> for RelPath {
    fn from(s: String) -> Self {
        Self(s.into_bytes())
    }
}

impl PartialEq<&str> for RelPath {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl fmt::Display for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

impl fmt::Debug for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.display())
    }
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Wire {
    Text(String),
    Bytes {
        #[serde(default)]
        text: String,
        b64: String,
    },
}

impl Serialize for RelPath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.as_str() {
            Some(text) => s.serialize_str(text),
            None => Wire::Bytes {
                text: self.display(),
                b64: base64::engine::general_purpose::STANDARD.encode(&self.0),
            }
            .serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for RelPath {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Wire::deserialize(d)? {
            Wire::Text(t) => Ok(Self(t.into_bytes())),
            Wire::Bytes { b64, .. } => base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map(Self)
                .map_err(serde::de::Error::custom),
        }
    }
}
