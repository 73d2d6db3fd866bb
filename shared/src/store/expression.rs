//! A condition, update or filter expression with its placeholders, as every
//! DynamoDB call that takes one wants it.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

/// A condition or update expression with its placeholders.
#[derive(Debug, Clone, Default)]
pub struct Expression {
    pub(super) text: String,
    pub(super) names: HashMap<String, String>,
    pub(super) values: HashMap<String, AttributeValue>,
}

impl Expression {
    /// The expression `text`, its placeholders bound by [`Self::name`] and [`Self::value`].
    pub fn new(text: impl Into<String>) -> Self {
        Self::default().with_text(text)
    }

    /// The same placeholders with the expression `text`.
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.text = text.into();
        self
    }

    /// Binds the name placeholder `placeholder` (`#...`) to the attribute `name`.
    pub fn name(mut self, placeholder: impl Into<String>, name: impl Into<String>) -> Self {
        self.names.insert(placeholder.into(), name.into());
        self
    }

    /// Binds the value placeholder `placeholder` (`:...`) to `value`.
    pub fn value(mut self, placeholder: impl Into<String>, value: AttributeValue) -> Self {
        self.values.insert(placeholder.into(), value);
        self
    }
}

#[allow(missing_docs)]
impl Expression {
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn names(&self) -> &HashMap<String, String> {
        &self.names
    }

    pub fn values(&self) -> &HashMap<String, AttributeValue> {
        &self.values
    }
}
