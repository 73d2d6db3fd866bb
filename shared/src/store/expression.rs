//! Condition and update expressions with their placeholders.

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
        let (text, names, values) = (text.into(), HashMap::new(), HashMap::new());
        Self {
            text,
            names,
            values,
        }
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

/// Sets a request's condition (unless empty) and the placeholders of `$condition` and
/// `$update` (none when there are none: DynamoDB refuses empty maps).
macro_rules! conditioned {
    ($request:expr, $condition:expr) => {
        $crate::store::expression::conditioned!($request, $condition, Default::default())
    };
    ($request:expr, $condition:expr, $update:expr) => {{
        let condition: $crate::store::expression::Expression = $condition;
        let mut placeholders: $crate::store::expression::Expression = $update;
        placeholders.names.extend(condition.names);
        placeholders.values.extend(condition.values);
        $request
            .set_condition_expression((!condition.text.is_empty()).then_some(condition.text))
            .set_expression_attribute_names(
                (!placeholders.names.is_empty()).then_some(placeholders.names),
            )
            .set_expression_attribute_values(
                (!placeholders.values.is_empty()).then_some(placeholders.values),
            )
    }};
}

pub(super) use conditioned;
