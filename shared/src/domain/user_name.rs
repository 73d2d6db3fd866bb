//! User names: 3 to 32 of `A-Z a-z 0-9 _ . -`, unique without regard to case.

use super::error::{FieldError, Reason};

/// A valid user name, as typed and in the lower case that makes it unique.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserName {
    display: String,
    normalized: String,
}

impl UserName {
    /// Parses a user name; the error names the field `userName`.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let name = raw.trim();
        let length = name.chars().count();
        if !(3..=32).contains(&length) {
            return Err(FieldError::new(
                "userName",
                Reason::LengthOutside { min: 3, max: 32 },
            ));
        }
        if let Some(bad) = name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
        {
            return Err(FieldError::new("userName", Reason::NotNameCharacter(bad)));
        }
        Ok(Self {
            display: name.to_owned(),
            normalized: name.to_ascii_lowercase(),
        })
    }

    /// The name as the user typed it.
    pub fn as_str(&self) -> &str {
        &self.display
    }

    /// The case-folded name that keys the user in the table.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_without_regard_to_case() {
        let a = UserName::parse("Alice").expect("valid");
        let b = UserName::parse("aLICE").expect("valid");
        assert_eq!(a.normalized(), b.normalized());
        assert_eq!(a.as_str(), "Alice");
    }

    #[test]
    fn short_long_and_odd_names_are_rejected() {
        for bad in ["ab", &"x".repeat(33), "al ice", "al/ice", "ålice"] {
            assert!(UserName::parse(bad).is_err(), "{bad} should be rejected");
        }
        for good in ["abc", "a.b-c_d", &"x".repeat(32)] {
            assert!(UserName::parse(good).is_ok(), "{good} should be accepted");
        }
    }
}
