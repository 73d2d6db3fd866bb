//! The list query: `current`, `pageSize`, `name` and `status`, as ProTable sends them,
//! and `cursor`, the opaque position a previous page answered with.

use super::error::{FieldError, Reason};
use super::todo::{Status, TodoKey, TodoName};

/// The largest page.
pub const MAX_PAGE_SIZE: u32 = 100;

/// A valid list request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    /// 1-based page number.
    pub current: u32,
    /// Items per page, 1..=100.
    pub page_size: u32,
    /// Lower-cased substring the name must contain.
    pub name: Option<String>,
    /// Statuses to keep (empty: all).
    pub statuses: Vec<Status>,
    /// Where the page starts (the `cursor` of the page before); `current` then only
    /// names the page for the answer.
    pub cursor: Option<TodoKey>,
}

impl ListQuery {
    /// Parses the query pairs; unknown parameters (ProTable's `sorter`, ...) are ignored.
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, FieldError> {
        let number = |name: &'static str, default: u32, max: u32| -> Result<u32, FieldError> {
            match last(pairs, name).map(str::trim).filter(|v| !v.is_empty()) {
                None => Ok(default),
                Some(text) => text
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=max).contains(n))
                    .ok_or(FieldError::new(
                        name,
                        Reason::NotAWholeNumber {
                            min: 1,
                            max: i64::from(max),
                        },
                    )),
            }
        };
        let current = number("current", 1, 1_000_000)?;
        let page_size = number("pageSize", 10, MAX_PAGE_SIZE)?;
        let name = last(pairs, "name")
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(super::todo::fold);
        if name
            .as_ref()
            .is_some_and(|n| n.chars().count() > TodoName::MAX_LENGTH)
        {
            return Err(FieldError::new(
                "name",
                Reason::TooLong {
                    max: TodoName::MAX_LENGTH,
                },
            ));
        }
        let mut statuses = Vec::new();
        for value in pairs.iter().filter(|(n, _)| n == "status").map(|(_, v)| v) {
            for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let status = part
                    .parse::<i64>()
                    .ok()
                    .and_then(Status::from_code)
                    .ok_or(FieldError::new("status", Reason::NotStatuses))?;
                if !statuses.contains(&status) {
                    statuses.push(status);
                }
            }
        }
        let cursor = last(pairs, "cursor")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| {
                TodoKey::parse(c, "cursor")
                    .map_err(|_| FieldError::new("cursor", Reason::NotACursor))
            })
            .transpose()?;
        Ok(Self {
            current,
            page_size,
            name,
            statuses,
            cursor,
        })
    }

    /// How many matching todos come before this page.
    pub fn offset(&self) -> u64 {
        u64::from(self.current - 1) * u64::from(self.page_size)
    }
}

/// The last value of the query parameter `name`, if any: a repeated parameter is
/// read as its last value.
fn last<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_are_page_one_of_ten() {
        let query = ListQuery::parse(&[]).expect("valid");
        assert_eq!((query.current, query.page_size, query.offset()), (1, 10, 0));
    }

    #[test]
    fn filters_are_parsed_and_folded() {
        let query = ListQuery::parse(&pairs(&[
            ("name", "MiLk"),
            ("status", "0,1"),
            ("current", "3"),
            ("pageSize", "20"),
            ("sorter", "{}"),
        ]))
        .expect("valid");
        assert_eq!(query.name.as_deref(), Some("milk"));
        assert_eq!(query.statuses.len(), 2);
        assert_eq!(query.offset(), 40);
    }

    #[test]
    fn a_repeated_parameter_counts_once_with_its_last_value() {
        let query =
            ListQuery::parse(&pairs(&[("pageSize", "1000"), ("pageSize", "20")])).expect("valid");
        assert_eq!(query.page_size, 20);
    }

    #[test]
    fn bad_values_name_their_parameter() {
        for (name, value) in [
            ("pageSize", "1000"),
            ("pageSize", "0"),
            ("current", "x"),
            ("status", "7"),
            ("cursor", "not-a-cursor"),
        ] {
            let error = ListQuery::parse(&pairs(&[(name, value)])).expect_err("rejected");
            assert_eq!(error.field, name);
        }
    }
}
