//! What is wrong with an input, in the domain's words: which field, and why.
//!
//! Every parser in [`crate::domain`] fails with a [`FieldError`]; it knows nothing of
//! status codes or response bodies. The HTTP edge turns it into the contract's 400
//! (`crate::error`'s mapping), with [`FieldError`]'s text as the `errorMessage`.

use std::fmt;

use super::todo_write::POST_METHODS;

/// An input that does not parse: the field (body field, query parameter or header)
/// and the reason.
///
/// Its text is the sentence a client sees: the field's name and the reason, such as
/// "userName must be 3 to 32 characters long.".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The offending field, as the client spelled it (`userName`, `pageSize`, ...).
    pub field: &'static str,
    /// What is wrong with it.
    pub reason: Reason,
}

impl FieldError {
    /// `field` is wrong for `reason`.
    pub fn new(field: &'static str, reason: Reason) -> Self {
        Self { field, reason }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason {
            // A whole sentence: no single field is wrong, the set of them is.
            Reason::NothingToChange => write!(f, "{}", self.reason),
            _ => write!(f, "{} {}", self.field, self.reason),
        }
    }
}

impl std::error::Error for FieldError {}

/// Why a field does not parse. The text is the rest of the sentence after the
/// field's name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Reason {
    /// Absent, or `null`.
    #[error("is required.")]
    Missing,
    /// Not a JSON string.
    #[error("must be a string.")]
    NotAString,
    /// Not a whole number (a JSON number or a numeric string) in `min..=max`.
    #[error("must be a whole number from {min} to {max}.")]
    NotAWholeNumber {
        /// The smallest value accepted.
        min: i64,
        /// The largest value accepted.
        max: i64,
    },
    /// Fewer than `min` or more than `max` characters.
    #[error("must be {min} to {max} characters long.")]
    LengthOutside {
        /// The fewest characters accepted.
        min: usize,
        /// The most characters accepted.
        max: usize,
    },
    /// Empty once trimmed.
    #[error("must not be empty.")]
    Empty,
    /// More than `max` characters.
    #[error("must be at most {max} characters long.")]
    TooLong {
        /// The most characters accepted.
        max: usize,
    },
    /// A character outside a user name's alphabet.
    #[error("may contain only letters, digits, _, . and - (found {0:?}).")]
    NotNameCharacter(char),
    /// A control character (a line break too) in one-line text.
    #[error("must be one line without control characters.")]
    NotOneLine,
    /// A control character other than a line break or a tab.
    #[error("must not contain control characters other than line breaks and tabs.")]
    ControlCharacter,
    /// A password that is the user name, in any letter case.
    #[error("must not be the user name.")]
    IsTheUserName,
    /// Empty, longer than `max` or not visible ASCII (an `Idempotency-Key`).
    #[error("must be 1 to {max} visible ASCII characters, such as a UUID.")]
    NotVisibleAscii {
        /// The most characters accepted.
        max: usize,
    },
    /// Not the canonical spelling of a todo id.
    #[error("must be a todo id such as 01JD2Z6K3M8N0P4Q5R6S7T8V9W.")]
    NotATodoId,
    /// Neither a todo id nor a list of them.
    #[error("must be a todo id or a list of them.")]
    NotTodoIds,
    /// An empty list of todo ids.
    #[error("must name at least one todo.")]
    NoTodo,
    /// More todo ids than one request may name.
    #[error("may name at most {max} todos at once.")]
    TooManyTodos {
        /// The most ids one request may name.
        max: usize,
    },
    /// The body names another todo than the path.
    #[error("in the body differs from the key in the path.")]
    DiffersFromPath,
    /// An update that changes none of the fields it could.
    #[error("Give at least one of name, desc, status or progress to change.")]
    NothingToChange,
    /// A `method` a `POST` body may not take; holds what was sent, shortened.
    #[error("must be {POST_METHODS} (got \"{0}\").")]
    UnknownMethod(String),
    /// A status filter that is not a list of status codes.
    #[error("must be a comma-separated list of 0, 1, 2 and 3.")]
    NotStatuses,
    /// A cursor the list never answered with.
    #[error("must be a value a list answered with, unchanged.")]
    NotACursor,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_is_the_field_then_the_reason() {
        let error = FieldError::new("pageSize", Reason::NotAWholeNumber { min: 1, max: 100 });
        assert_eq!(
            error.to_string(),
            "pageSize must be a whole number from 1 to 100."
        );
        let error = FieldError::new("userName", Reason::NotNameCharacter('/'));
        assert_eq!(
            error.to_string(),
            "userName may contain only letters, digits, _, . and - (found '/')."
        );
    }

    #[test]
    fn nothing_to_change_is_a_sentence_of_its_own() {
        let error = FieldError::new("name", Reason::NothingToChange);
        assert_eq!(
            error.to_string(),
            "Give at least one of name, desc, status or progress to change."
        );
    }
}
