//! Query strings, read from the request URI.

use http::Uri;

/// The query's name/value pairs, percent-decoded, in order.
pub fn pairs(uri: &Uri) -> Vec<(String, String)> {
    uri.query()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_decoded() {
        let uri: Uri = "/api/rule?name=buy%20milk&status=0,1".parse().expect("uri");
        assert_eq!(
            pairs(&uri),
            [
                ("name".to_owned(), "buy milk".to_owned()),
                ("status".to_owned(), "0,1".to_owned()),
            ]
        );
    }
}
