//! Query strings, read from the request URI.

use http::Uri;

/// The query's name/value pairs, percent-decoded, in order.
pub fn pairs(uri: &Uri) -> Vec<(String, String)> {
    uri.query()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .unwrap_or_default()
}

/// The last value of `name`, if any.
pub fn last<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_decoded() {
        let uri: Uri = "/api/rule?name=buy%20milk&status=0,1".parse().expect("uri");
        let pairs = pairs(&uri);
        assert_eq!(last(&pairs, "name"), Some("buy milk"));
        assert_eq!(last(&pairs, "status"), Some("0,1"));
        assert_eq!(last(&pairs, "missing"), None);
    }
}
