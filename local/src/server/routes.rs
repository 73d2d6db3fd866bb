//! The template's `HttpApi` routes: checked, grouped by path, and matched with
//! `matchit`, the matcher axum routes with, so that [`RouteTable::find`] (the events the
//! platform makes itself) and the gateway's axum routes ([`super::gateway`]) agree.
//!
//! Routes are `METHOD /path` with `{name}` and greedy `{name+}` segments, `ANY`, and
//! `$default`. As in API Gateway, literal segments win over `{name}`, which wins over
//! `{name+}`; a named method over `ANY`; `$default` takes what nothing else claims.

use std::collections::BTreeMap;

use percent_encoding::percent_decode_str;

use crate::template::functions::FunctionSpec;

/// The methods an `HttpApi` route may name.
const METHODS: [&str; 8] = [
    "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY",
];

/// Why the template's routes cannot be served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    /// A route is not one API Gateway would accept.
    #[error("route {method} {path} of function {function}: {reason}")]
    Invalid {
        /// The function that declares it.
        function: String,
        /// The route's method.
        method: String,
        /// The route's path.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// Two routes claim the same requests.
    #[error("route {path} conflicts with {with}")]
    Conflict {
        /// The route's path.
        path: String,
        /// The route it conflicts with.
        with: String,
    },
}

/// One route of one function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The function's short name.
    pub function: String,
    /// Upper-case method, or `ANY`.
    pub method: String,
    /// `METHOD /path`, or `$default`.
    pub route_key: String,
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

/// The routes of one path.
#[derive(Debug, Clone)]
pub struct PathRoutes {
    /// The template's path, e.g. `/files/{proxy+}`.
    pub template_path: String,
    /// The same path in axum's syntax, e.g. `/files/{*proxy}`.
    pub axum_path: String,
    /// Its routes, one per method.
    pub routes: Vec<Route>,
}

/// Every route of every function.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    paths: Vec<PathRoutes>,
    /// Indices into `paths`.
    matcher: matchit::Router<usize>,
    default: Option<Route>,
}

impl RouteTable {
    /// The routes of `functions`, checked.
    pub fn new<'a>(
        functions: impl IntoIterator<Item = &'a FunctionSpec>,
    ) -> Result<Self, RouteError> {
        let mut table = Self::default();
        for function in functions {
            for spec in &function.routes {
                let invalid = |reason: &str| RouteError::Invalid {
                    function: function.name.clone(),
                    method: spec.method.clone(),
                    path: spec.path.clone(),
                    reason: reason.to_owned(),
                };
                if !METHODS.contains(&spec.method.as_str()) {
                    return Err(invalid("the method is not one API Gateway routes"));
                }
                let route = Route {
                    function: function.name.clone(),
                    method: spec.method.clone(),
                    route_key: if spec.path == "$default" {
                        "$default".to_owned()
                    } else {
                        format!("{} {}", spec.method, spec.path)
                    },
                };
                if spec.path == "$default" {
                    if let Some(first) = &table.default {
                        return Err(RouteError::Conflict {
                            path: route.route_key,
                            with: format!("$default of function {}", first.function),
                        });
                    }
                    table.default = Some(route);
                    continue;
                }
                let axum_path = axum_path(&spec.path).map_err(invalid)?;
                table.add(&spec.path, axum_path, route)?;
            }
        }
        Ok(table)
    }

    fn add(
        &mut self,
        template_path: &str,
        axum_path: String,
        route: Route,
    ) -> Result<(), RouteError> {
        if let Some(same) = self.paths.iter_mut().find(|p| p.axum_path == axum_path) {
            if same.routes.iter().any(|r| r.method == route.method) {
                return Err(RouteError::Conflict {
                    path: route.route_key,
                    with: "the same route".to_owned(),
                });
            }
            let routes = &mut same.routes;
            routes.push(route);
            return Ok(());
        }
        self.matcher
            .insert(axum_path.clone(), self.paths.len())
            .map_err(|e| RouteError::Conflict {
                path: template_path.to_owned(),
                with: match e {
                    matchit::InsertError::Conflict { with } => with,
                    other => other.to_string(),
                },
            })?;
        self.paths.push(PathRoutes {
            template_path: template_path.to_owned(),
            axum_path,
            routes: vec![route],
        });
        Ok(())
    }

    /// The routes, by path.
    pub fn paths(&self) -> &[PathRoutes] {
        &self.paths
    }

    /// The `$default` route, if a function has one.
    pub fn default_route(&self) -> Option<&Route> {
        self.default.as_ref()
    }

    /// `(method, path, function)` of every route, for printing.
    pub fn describe(&self) -> Vec<(String, String, String)> {
        let by_path = self.paths.iter().flat_map(|p| {
            p.routes.iter().map(|r| {
                (
                    r.method.clone(),
                    p.template_path.clone(),
                    r.function.clone(),
                )
            })
        });
        let default = self
            .default
            .iter()
            .map(|r| (r.method.clone(), "$default".to_owned(), r.function.clone()));
        by_path.chain(default).collect()
    }

    /// The route for `method` and `path`, as the gateway would pick it.
    pub fn find(&self, method: &str, path: &str) -> Option<Matched<'_>> {
        let found = self.matcher.at(path).ok().and_then(|found| {
            let routes = &self.paths[*found.value].routes;
            Route::for_method(routes, method).map(|route| Matched {
                function: &route.function,
                route_key: &route.route_key,
                path_parameters: found
                    .params
                    .iter()
                    .map(|(k, v)| {
                        let value = percent_decode_str(v).decode_utf8_lossy().into_owned();
                        (k.to_owned(), value)
                    })
                    .collect(),
            })
        });
        found.or_else(|| {
            self.default.as_ref().map(|route| Matched {
                function: &route.function,
                route_key: &route.route_key,
                path_parameters: BTreeMap::new(),
            })
        })
    }
}

impl Route {
    /// The route of `routes` (one path's) for `method`: its own, else `ANY`.
    pub fn for_method<'a>(routes: &'a [Route], method: &str) -> Option<&'a Route> {
        routes
            .iter()
            .find(|r| r.method.eq_ignore_ascii_case(method))
            .or_else(|| routes.iter().find(|r| r.method == "ANY"))
    }
}

/// A template path in axum's syntax: `{name}` stays, `{name+}` becomes `{*name}`.
fn axum_path(path: &str) -> Result<String, &'static str> {
    let rest = path.strip_prefix('/').ok_or("the path must start with /")?;
    let segments: Vec<&str> = rest.split('/').collect();
    let mut out = String::with_capacity(path.len() + 1);
    for (i, segment) in segments.iter().enumerate() {
        out.push('/');
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                let (name, greedy) = match name.strip_suffix('+') {
                    Some(name) => (name, true),
                    None => (name, false),
                };
                if name.is_empty()
                    || !name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                {
                    return Err("a parameter name must be letters, digits, _ or -");
                }
                if greedy && i + 1 != segments.len() {
                    return Err("a greedy {name+} parameter must be the last segment");
                }
                out.push('{');
                if greedy {
                    out.push('*');
                }
                out.push_str(name);
                out.push('}');
            }
            None if segment.contains(['{', '}']) => {
                return Err("a parameter must be a whole segment");
            }
            None if segment.starts_with([':', '*']) => {
                return Err("a segment may not start with : or *");
            }
            None => out.push_str(segment),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::functions::RouteSpec;

    fn route(method: &str, path: &str) -> RouteSpec {
        RouteSpec {
            method: method.into(),
            path: path.into(),
        }
    }

    fn table() -> RouteTable {
        let mut rule = FunctionSpec::new("rule", "rule");
        rule.routes = vec![
            route("GET", "/api/rule"),
            route("ANY", "/api/rule/{key}"),
            route("GET", "/api/rule/special"),
            route("POST", "/api/rule/{key}"),
        ];
        let mut user = FunctionSpec::new("user", "user");
        user.routes = vec![
            route("POST", "/api/login/account"),
            route("ANY", "/files/{proxy+}"),
        ];
        RouteTable::new(&[rule, user]).expect("valid routes")
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
        let m = t.find("POST", "/api/rule/01J").expect("match");
        assert_eq!(m.route_key, "POST /api/rule/{key}");
    }

    #[test]
    fn methods_and_lengths_must_fit() {
        let t = table();
        assert!(t.find("POST", "/api/rule").is_none());
        assert!(t.find("GET", "/api/login/account").is_none());
        assert!(t.find("GET", "/api/rule/a/b").is_none());
        assert!(t.find("GET", "/api/rule/").is_none());
        assert!(t.find("GET", "/index.html").is_none());
    }

    #[test]
    fn greedy_segments_take_the_rest() {
        let t = table();
        let m = t.find("GET", "/files/a/b/c.txt").expect("match");
        assert_eq!(m.path_parameters["proxy"], "a/b/c.txt");
        assert_eq!(m.route_key, "ANY /files/{proxy+}");
        let m = t.find("GET", "/files/a//b%20c/").expect("match");
        assert_eq!(m.path_parameters["proxy"], "a//b c/");
        assert!(t.find("GET", "/files/").is_none());
        assert_eq!(m.function, "user");
    }

    #[test]
    fn default_takes_what_nothing_else_claims() {
        let mut f = FunctionSpec::new("f", "f");
        f.routes = vec![route("ANY", "$default"), route("GET", "/x")];
        let t = RouteTable::new(&[f]).expect("valid");
        assert_eq!(t.find("GET", "/x").expect("x").route_key, "GET /x");
        assert_eq!(t.find("POST", "/x").expect("default").route_key, "$default");
        assert_eq!(
            t.find("GET", "/y/z").expect("default").route_key,
            "$default"
        );
        assert_eq!(t.describe().len(), 2);
    }

    #[test]
    fn paths_are_written_in_axum_syntax() {
        assert_eq!(
            axum_path("/a/{key}/{rest+}"),
            Ok("/a/{key}/{*rest}".to_owned())
        );
        assert_eq!(axum_path("/"), Ok("/".to_owned()));
        for bad in ["a", "/{x+}/b", "/a{b}", "/{}", "/{a b}", "/:a", "/*a"] {
            assert!(axum_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn routes_api_gateway_would_refuse_are_errors() {
        let mut f = FunctionSpec::new("f", "f");
        f.routes = vec![route("FETCH", "/x")];
        assert!(RouteTable::new(&[f.clone()]).is_err());
        f.routes = vec![route("GET", "/x"), route("GET", "/x")];
        assert!(RouteTable::new(&[f.clone()]).is_err());
        // Two names for one segment: the matcher cannot tell them apart.
        f.routes = vec![route("GET", "/a/{key}"), route("POST", "/a/{id}")];
        assert!(matches!(
            RouteTable::new(&[f.clone()]),
            Err(RouteError::Conflict { .. })
        ));
        f.routes = vec![route("ANY", "$default"), route("GET", "$default")];
        assert!(RouteTable::new(&[f]).is_err());
    }
}
