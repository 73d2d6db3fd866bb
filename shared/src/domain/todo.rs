//! A todo ("rule", in the course's words) and its field types.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use ulid::Generator;
use unicode_normalization::{IsNormalized, UnicodeNormalization as _, is_nfc_quick};

use super::error::{FieldError, Reason};

/// A todo's id: a ULID, so ids sort by creation time (newest first is a reverse scan).
/// Stored and shown as its canonical 26-character spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct TodoKey(ulid::Ulid);

impl TodoKey {
    /// A new id for a todo created now.
    ///
    /// Ids from one instance increase strictly, even within one millisecond, so todos
    /// created back to back keep their order in a newest-first list.
    pub fn new() -> Self {
        static GENERATOR: Mutex<Option<Generator>> = Mutex::new(None);
        let mut guard = GENERATOR
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let generator = guard.get_or_insert_with(Generator::new);
        Self(generator.generate().unwrap_or_else(|_| ulid::Ulid::new()))
    }

    /// Parses an id (any letter case); the error names `field`.
    ///
    /// Only the canonical spelling is an id: the ulid crate also decodes 26 characters
    /// whose first is above `7` (wrapping past 128 bits onto another id) and the
    /// Crockford aliases `I`, `L`, `O`, so those are checked by encoding back.
    pub fn parse(raw: &str, field: &'static str) -> Result<Self, FieldError> {
        let raw = raw.trim();
        let mut canonical = [0; ulid::ULID_LEN];
        ulid::Ulid::from_string(raw)
            .ok()
            .filter(|id| id.array_to_str(&mut canonical).eq_ignore_ascii_case(raw))
            .map(Self)
            .ok_or(FieldError::new(field, Reason::NotATodoId))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_canonical_spelling_of_an_id_parses() {
        let key = TodoKey::new().to_string();
        assert!(TodoKey::parse(&key, "key").is_ok());
        assert!(TodoKey::parse(&key.to_lowercase(), "key").is_ok());
        // The same 128 bits spelled with a first character past 7 wrap onto `key`.
        for first in ['8', 'G', 'R', 'Z'] {
            let wrapped = format!("{first}{}", &key[1..]);
            assert!(TodoKey::parse(&wrapped, "key").is_err(), "{wrapped}");
        }
        assert!(TodoKey::parse("01JD2Z6K3M8N0P4Q5R6S7T8V9O", "key").is_err());
        assert!(TodoKey::parse("01JD2Z6K3M8N0P4Q5R6S7T8V9", "key").is_err());
    }

    #[test]
    fn names_and_descriptions_are_stored_composed() {
        let decomposed = "e\u{301}".repeat(150);
        let name = TodoName::parse(&decomposed).expect("150 characters once composed");
        assert_eq!(name.as_str(), "\u{e9}".repeat(150));
        assert!(TodoDesc::parse("e\u{301}".repeat(2000)).is_ok());
    }

    #[test]
    fn control_characters_are_refused_except_line_breaks_in_descriptions() {
        for name in ["a\u{0}b", "line\nbreak", "tab\there", "bell\u{7}"] {
            assert!(TodoName::parse(name).is_err(), "{name:?}");
        }
        assert!(TodoDesc::parse("two\nlines\r\n\tindented").is_ok());
        assert!(TodoDesc::parse("nul\u{0}").is_err());
    }

    #[test]
    fn keys_made_back_to_back_increase() {
        let keys: Vec<TodoKey> = (0..1000).map(|_| TodoKey::new()).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
    }
}

impl Default for TodoKey {
    fn default() -> Self {
        Self::new()
    }
}

impl From<TodoKey> for String {
    fn from(key: TodoKey) -> Self {
        key.to_string()
    }
}

impl TryFrom<String> for TodoKey {
    type Error = FieldError;

    fn try_from(raw: String) -> Result<Self, FieldError> {
        Self::parse(&raw, "key")
    }
}

impl std::fmt::Display for TodoKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Text as stored: Unicode NFC, so that "é" typed as one code point or as "e" and a
/// combining accent is the same text, of the same length, found by the same filter.
/// Text that is composed already (nearly all of it, and every todo read back from the
/// table) is kept as it is, without composing it again.
pub fn composed(text: String) -> String {
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => text,
        IsNormalized::No | IsNormalized::Maybe => text.nfc().collect(),
    }
}

/// `raw` without its leading and trailing white space, reusing its buffer when it has none.
fn trimmed(raw: String) -> String {
    match raw.trim() {
        trimmed if trimmed.len() == raw.len() => raw,
        trimmed => trimmed.to_owned(),
    }
}

/// A todo's name: 1 to 200 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct TodoName(String);

impl TryFrom<String> for TodoName {
    type Error = FieldError;

    fn try_from(raw: String) -> Result<Self, FieldError> {
        Self::parse(raw)
    }
}

impl TodoName {
    /// The most characters a name may have.
    pub const MAX_LENGTH: usize = 200;

    /// Parses a name; the error names the field `name`.
    pub fn parse(raw: impl Into<String>) -> Result<Self, FieldError> {
        let name = composed(trimmed(raw.into()));
        if name.chars().any(char::is_control) {
            return Err(FieldError::new("name", Reason::NotOneLine));
        }
        let length = name.chars().count();
        if length == 0 {
            return Err(FieldError::new("name", Reason::Empty));
        }
        if length > Self::MAX_LENGTH {
            return Err(FieldError::new(
                "name",
                Reason::TooLong {
                    max: Self::MAX_LENGTH,
                },
            ));
        }
        Ok(Self(name))
    }

    #[allow(missing_docs)]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as a `String`, without copying it.
    pub fn into_string(self) -> String {
        self.0
    }

    /// The name in lower case, which the substring filter searches.
    pub fn folded(&self) -> String {
        fold(&self.0)
    }
}

/// Lower case, composed: how names are compared by the list's `name` filter.
pub fn fold(text: &str) -> String {
    composed(composed(text.to_owned()).to_lowercase())
}

/// A todo's description: at most 2000 characters; line breaks and tabs are the only
/// control characters allowed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct TodoDesc(String);

impl TryFrom<String> for TodoDesc {
    type Error = FieldError;

    fn try_from(raw: String) -> Result<Self, FieldError> {
        Self::parse(raw)
    }
}

impl TodoDesc {
    /// The most characters a description may have.
    pub const MAX_LENGTH: usize = 2000;

    /// Parses a description; the error names the field `desc`.
    pub fn parse(raw: impl Into<String>) -> Result<Self, FieldError> {
        let desc = composed(raw.into());
        if desc
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(FieldError::new("desc", Reason::ControlCharacter));
        }
        if desc.chars().count() > Self::MAX_LENGTH {
            return Err(FieldError::new(
                "desc",
                Reason::TooLong {
                    max: Self::MAX_LENGTH,
                },
            ));
        }
        Ok(Self(desc))
    }

    #[allow(missing_docs)]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The description as a `String`, without copying it.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// 0 to do, 1 in progress, 2 done, 3 blocked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "u8")]
pub struct Status(u8);

impl TryFrom<u8> for Status {
    type Error = FieldError;

    fn try_from(code: u8) -> Result<Self, FieldError> {
        Self::from_code(i64::from(code)).ok_or(FieldError::new(
            "status",
            Reason::NotAWholeNumber {
                min: 0,
                max: i64::from(Self::MAX),
            },
        ))
    }
}

impl Status {
    /// The largest status code.
    pub const MAX: u8 = 3;

    /// Builds a status from a code, if it is one.
    pub fn from_code(code: i64) -> Option<Self> {
        u8::try_from(code)
            .ok()
            .filter(|c| *c <= Self::MAX)
            .map(Self)
    }

    /// The code the contract and the table use, 0 to [`Self::MAX`].
    pub fn code(self) -> u8 {
        self.0
    }
}

/// Progress in percent, 0 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "u8")]
pub struct Progress(u8);

impl TryFrom<u8> for Progress {
    type Error = FieldError;

    fn try_from(percent: u8) -> Result<Self, FieldError> {
        Self::from_percent(i64::from(percent)).ok_or(FieldError::new(
            "progress",
            Reason::NotAWholeNumber { min: 0, max: 100 },
        ))
    }
}

impl Progress {
    /// Builds a progress from a percentage, if it is one.
    pub fn from_percent(percent: i64) -> Option<Self> {
        u8::try_from(percent).ok().filter(|p| *p <= 100).map(Self)
    }

    #[allow(missing_docs)]
    pub fn percent(self) -> u8 {
        self.0
    }
}

/// The optimistic-concurrency version of a todo; starts at 1, +1 on every change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Version(pub u64);

/// A todo as the contract's `Rule` schema shows it: times in RFC 3339, `owner` the
/// owner's user name, `version` the one an update must name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Todo {
    pub key: String,
    pub name: String,
    pub desc: String,
    pub status: u8,
    pub progress: u8,
    pub owner: String,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
}
