//! Matching requests to the template's `HttpApi` routes, as API Gateway does.
//!
//! Routes are `METHOD /path` with `{name}` and greedy `{name+}` segments, `ANY`, and
//! `$default`. The most specific match wins: literal segments over `{name}` over
//! `{name+}`, a named method over `ANY`, and `$default` last.

use std::collections::BTreeMap;

use percent_encoding::percent_decode_str;

use crate::template::functions::FunctionSpec;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
    Greedy(String),
}

#[derive(Debug, Clone)]
struct Route {
    function: String,
    method: String,
    path: String,
    /// `METHOD /path`, or `$default`.
    route_key: String,
    segments: Option<Vec<Segment>>,
}

/// A route that matched a request (borrowing the table's names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched<'a> {
    /// The function's short name.
    pub function: &'a str,
    /// The route key, e.g. `GET /api/rule/{key}` or `$default`.
    pub route_key: &'a str,
    /// Values of the path's `{name}` segments, decoded.
    pub path_parameters: BTreeMap<String, String>,
}

/// Every route of every function.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<Route>,
}

impl RouteTable {
    /// The routes of `functions`.
    pub fn new(functions: &[FunctionSpec]) -> Self {
        let routes = functions
            .iter()
            .flat_map(|f| {
                f.routes.iter().map(|r| {
                    let segments = (r.path != "$default").then(|| parse(&r.path));
                    Route {
                        function: f.name.clone(),
                        method: r.method.clone(),
                        path: r.path.clone(),
                        route_key: if segments.is_none() {
                            "$default".to_owned()
                        } else {
                            format!("{} {}", r.method, r.path)
                        },
                        segments,
                    }
                })
            })
            .collect();
        Self { routes }
    }

    /// The `(method, path)` pairs, for printing.
    pub fn describe(&self) -> Vec<(String, String, String)> {
        self.routes
            .iter()
            .map(|r| (r.method.clone(), r.path.clone(), r.function.clone()))
            .collect()
    }

    /// The best route for `method` and `path`, if any claims it.
    pub fn find(&self, method: &str, path: &str) -> Option<Matched<'_>> {
        let trimmed = path.trim_start_matches('/');
        let parts: Vec<&str> = trimmed.split('/').collect();
        self.routes
            .iter()
            .filter(|r| r.method == "ANY" || r.method.eq_ignore_ascii_case(method))
            .filter_map(|r| {
                let (score, params) = match &r.segments {
                    None => (Vec::new(), BTreeMap::new()),
                    Some(segments) => match_segments(segments, trimmed, &parts)?,
                };
                let rank = (r.segments.is_some(), score, r.method != "ANY");
                Some((rank, r, params))
            })
            .max_by(|a, b| a.0.cmp(&b.0))
            .map(|(_, r, path_parameters)| Matched {
                function: &r.function,
                route_key: &r.route_key,
                path_parameters,
            })
    }
}

fn parse(path: &str) -> Vec<Segment> {
    path.trim_start_matches('/')
        .split('/')
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => match name.strip_suffix('+') {
                    Some(greedy) => Segment::Greedy(greedy.to_owned()),
                    None => Segment::Param(name.to_owned()),
                },
                None => Segment::Literal(s.to_owned()),
            },
        )
        .collect()
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// A per-segment specificity score (3 literal, 2 param, 1 greedy) and the parameters.
fn match_segments(
    segments: &[Segment],
    whole: &str,
    parts: &[&str],
) -> Option<(Vec<u8>, BTreeMap<String, String>)> {
    let mut score = Vec::with_capacity(segments.len());
    let mut params = BTreeMap::new();
    for (i, segment) in segments.iter().enumerate() {
        match segment {
            Segment::Greedy(name) => {
                parts
                    .get(i..)
                    .filter(|r| !r.is_empty() && !r[0].is_empty())?;
                // The segments from `i` on, '/'-joined: the end of the path they came from.
                let start: usize = parts[..i].iter().map(|p| p.len() + 1).sum();
                params.insert(name.clone(), decode(whole.get(start..)?));
                score.push(1);
                return Some((score, params));
            }
            Segment::Literal(text) => {
                if parts.get(i)? != text {
                    return None;
                }
                score.push(3);
            }
            Segment::Param(name) => {
                let value = parts.get(i).filter(|v| !v.is_empty())?;
                params.insert(name.clone(), decode(value));
                score.push(2);
            }
        }
    }
    (parts.len() == segments.len()).then_some((score, params))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::functions::RouteSpec;

    fn table() -> RouteTable {
        let mut rule = FunctionSpec::new("rule", "rule");
        rule.routes = vec![
            RouteSpec {
                method: "GET".into(),
                path: "/api/rule".into(),
            },
            RouteSpec {
                method: "ANY".into(),
                path: "/api/rule/{key}".into(),
            },
            RouteSpec {
                method: "GET".into(),
                path: "/api/rule/special".into(),
            },
        ];
        let mut user = FunctionSpec::new("user", "user");
        user.routes = vec![
            RouteSpec {
                method: "POST".into(),
                path: "/api/login/account".into(),
            },
            RouteSpec {
                method: "ANY".into(),
                path: "/files/{proxy+}".into(),
            },
        ];
        RouteTable::new(&[rule, user])
    }

    #[test]
    fn the_most_specific_route_wins() {
        let t = table();
        let m = t.find("GET", "/api/rule/special").expect("match");
        assert_eq!(m.route_key, "GET /api/rule/special");
        let m = t.find("DELETE", "/api/rule/01J%20X").expect("match");
        assert_eq!(m.route_key, "ANY /api/rule/{key}");
        assert_eq!(m.path_parameters["key"], "01J X");
        assert_eq!(m.function, "rule");
    }

    #[test]
    fn methods_and_lengths_must_fit() {
        let t = table();
        assert!(t.find("POST", "/api/rule").is_none());
        assert!(t.find("GET", "/api/login/account").is_none());
        assert!(t.find("GET", "/api/rule/a/b").is_none());
        assert!(t.find("GET", "/index.html").is_none());
    }

    #[test]
    fn greedy_segments_take_the_rest() {
        let t = table();
        let m = t.find("GET", "/files/a/b/c.txt").expect("match");
        assert_eq!(m.path_parameters["proxy"], "a/b/c.txt");
        let m = t.find("GET", "//files/a//b%20c/").expect("match");
        assert_eq!(m.path_parameters["proxy"], "a//b c/");
        assert!(t.find("GET", "/files/").is_none());
        assert!(t.find("GET", "/files//x").is_none());
        assert_eq!(m.function, "user");
    }
}
