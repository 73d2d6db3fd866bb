//! A todo ("rule", in the course's words) and its field types.

use std::sync::Mutex;

use serde::Serialize;
use ulid::Generator;

use crate::ApiError;

/// A todo's id: a ULID, so ids sort by creation time (newest first is a reverse scan).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleKey(ulid::Ulid);

impl RuleKey {
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

    /// Parses an id; the error names `field`.
    pub fn parse(raw: &str, field: &str) -> Result<Self, ApiError> {
        ulid::Ulid::from_string(raw.trim()).map(Self).map_err(|_| {
            ApiError::bad_request(
                field,
                format!("{field} must be a todo id such as 01JD2Z6K3M8N0P4Q5R6S7T8V9W."),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_made_back_to_back_increase() {
        let keys: Vec<RuleKey> = (0..1000).map(|_| RuleKey::new()).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
    }
}

impl Default for RuleKey {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Display for RuleKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A todo's name: 1 to 200 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleName(String);

impl RuleName {
    /// Parses a name; the error names the field `name`.
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let name = raw.trim();
        let length = name.chars().count();
        if length == 0 {
            return Err(ApiError::bad_request("name", "name must not be empty."));
        }
        if length > 200 {
            return Err(ApiError::bad_request(
                "name",
                "name must be at most 200 characters long.",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name in lower case, which the substring filter searches.
    pub fn folded(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A todo's description: at most 2000 characters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RuleDesc(String);

impl RuleDesc {
    /// Parses a description; the error names the field `desc`.
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        if raw.chars().count() > 2000 {
            return Err(ApiError::bad_request(
                "desc",
                "desc must be at most 2000 characters long.",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The description.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 0 to do, 1 in progress, 2 done, 3 blocked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Status(u8);

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

    /// The numeric code.
    pub fn code(self) -> u8 {
        self.0
    }
}

/// Progress in percent, 0 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Progress(u8);

impl Progress {
    /// Builds a progress from a percentage, if it is one.
    pub fn from_percent(percent: i64) -> Option<Self> {
        u8::try_from(percent).ok().filter(|p| *p <= 100).map(Self)
    }

    /// The percentage.
    pub fn percent(self) -> u8 {
        self.0
    }
}

/// The optimistic-concurrency version of a todo; starts at 1, +1 on every change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Version(pub u64);

/// A todo as the contract shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    /// The id.
    pub key: String,
    /// The name.
    pub name: String,
    /// The description.
    pub desc: String,
    /// Status code.
    pub status: u8,
    /// Progress percent.
    pub progress: u8,
    /// The owner's user name.
    pub owner: String,
    /// RFC 3339 creation time.
    pub created_at: String,
    /// RFC 3339 time of the last change.
    pub updated_at: String,
    /// Optimistic-concurrency version.
    pub version: u64,
}
