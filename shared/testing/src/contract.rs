//! The HTTP contract, `api/openapi.yaml`, held against every response the API tests read.
//!
//! [`check`] finds the operation the request named (its method and raw path against the
//! contract's paths) and the response its status names, then checks the documented
//! headers (required ones present, every value valid) and the JSON body against the
//! response's schema with `jsonschema` (draft 2020-12, formats asserted). A request the
//! contract has no operation for must get what the contract says of those: 404 for a
//! path it does not have, 405 with `Allow` naming exactly the path's methods for a
//! method it does not have (`x-unsupported-method`), or the 400 of a path with a dot
//! segment. So the contract cannot drift from the code without a test failing.
//!
//! With `TODO_CONTRACT_LOG=<file>` set, every checked response appends a line
//! `METHOD /path/template STATUS` to that file: how many responses were checked, and
//! which operations and statuses the tests reach.

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use http::{HeaderMap, Method, StatusCode};
use jsonschema::{Draft, Validator};
use serde_json::{Value, json};

/// The contract as written in the repository.
const OPENAPI_YAML: &str = include_str!("../../../api/openapi.yaml");

/// The environment variable naming the file that checked responses are logged to.
pub const LOG_VARIABLE: &str = "TODO_CONTRACT_LOG";

/// What the check needs of a request: its method and its path as the client sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The method.
    pub method: Method,
    /// The raw path, without the query.
    pub path: String,
}

impl Sent {
    /// The method and raw path of `request`.
    pub fn of(request: &lambda_http::Request) -> Self {
        Self {
            method: request.method().clone(),
            path: shared::http::path::raw_path(request).to_owned(),
        }
    }
}

/// The parsed contract and the validators compiled from it so far.
struct Contract {
    document: Value,
    /// Compiled validators, by the JSON pointer of their schema.
    validators: Mutex<HashMap<String, Arc<Validator>>>,
}

static CONTRACT: LazyLock<Contract> = LazyLock::new(|| Contract {
    document: serde_norway::from_str(OPENAPI_YAML).expect("api/openapi.yaml is valid YAML"),
    validators: Mutex::new(HashMap::new()),
});

/// The methods an OpenAPI path item may define.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Checks `status`, `headers` and `body`, the answer to `sent`, against the contract.
///
/// # Errors
/// Every way the answer differs from the contract, in one message.
pub fn check(
    sent: &Sent,
    status: StatusCode,
    headers: &HeaderMap,
    body: &Value,
) -> Result<(), String> {
    let contract = &*CONTRACT;
    let (template, item) = match contract.path_item(&sent.path) {
        Some(found) => found,
        None => {
            log(sent, "(unknown)", status);
            return contract.unknown_path(status, body);
        }
    };
    log(sent, template, status);
    let method = sent.method.as_str().to_ascii_lowercase();
    let Some(operation) = item.get(&method) else {
        return contract.unsupported_method(item, status, headers, body);
    };
    let responses = &operation["responses"];
    let Some(response) = responses.get(status.as_str()) else {
        return Err(format!(
            "{} {template} answered {status}, which the contract does not list for it: {body}",
            sent.method
        ));
    };
    let pointer = format!(
        "/paths/{}/{method}/responses/{}",
        escape(template),
        status.as_str()
    );
    contract.response(&pointer, response, headers, body)
}

impl Contract {
    /// The path item whose template matches `path` (a trailing slash ignored),
    /// with its template.
    fn path_item(&self, path: &str) -> Option<(&str, &Value)> {
        let path = path
            .strip_suffix('/')
            .filter(|p| !p.is_empty())
            .unwrap_or(path);
        let segments: Vec<&str> = path.split('/').collect();
        self.document["paths"]
            .as_object()?
            .iter()
            .find(|(template, _)| {
                let parts: Vec<&str> = template.split('/').collect();
                parts.len() == segments.len()
                    && parts.iter().zip(&segments).all(|(part, segment)| {
                        part == segment || (part.starts_with('{') && !segment.is_empty())
                    })
            })
            .map(|(template, item)| (template.as_str(), item))
    }

    /// A path the contract does not have: 404, or the 400 of a dot segment.
    fn unknown_path(&self, status: StatusCode, body: &Value) -> Result<(), String> {
        let code = match status.as_u16() {
            404 => "NOT_FOUND",
            400 => "BAD_REQUEST",
            _ => {
                return Err(format!(
                    "a path the contract does not have answered {status}, not 404: {body}"
                ));
            }
        };
        self.error_body(code, body)
    }

    /// A method the path does not have: `x-unsupported-method` (405 with `Allow`), or
    /// the 400 of a dot segment, which is refused before any route.
    fn unsupported_method(
        &self,
        item: &Value,
        status: StatusCode,
        headers: &HeaderMap,
        body: &Value,
    ) -> Result<(), String> {
        if status == StatusCode::BAD_REQUEST {
            return self.error_body("BAD_REQUEST", body);
        }
        if status != StatusCode::METHOD_NOT_ALLOWED {
            return Err(format!(
                "a method the path does not have answered {status}, not 405: {body}"
            ));
        }
        let response = &self.document["x-unsupported-method"];
        self.response("/x-unsupported-method", response, headers, body)?;
        let mut allowed: Vec<String> = headers
            .get(http::header::ALLOW)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(',')
            .map(|m| m.trim().to_ascii_lowercase())
            .collect();
        allowed.sort();
        let mut documented: Vec<String> = METHODS
            .iter()
            .filter(|m| item.get(**m).is_some())
            .map(|m| (*m).to_owned())
            .collect();
        documented.sort();
        if allowed != documented {
            return Err(format!(
                "Allow names {allowed:?}, the contract's methods for the path are {documented:?}"
            ));
        }
        Ok(())
    }

    /// `body` is the contract's error with `code`.
    fn error_body(&self, code: &str, body: &Value) -> Result<(), String> {
        self.validate("/components/schemas/Error", body)?;
        if body["errorCode"] != json!(code) {
            return Err(format!("expected errorCode {code}: {body}"));
        }
        Ok(())
    }

    /// Checks headers and body against the response object at `pointer` (`response`,
    /// possibly a `$ref`).
    fn response(
        &self,
        pointer: &str,
        response: &Value,
        headers: &HeaderMap,
        body: &Value,
    ) -> Result<(), String> {
        let (pointer, response) = self.resolve(pointer, response)?;
        let mut problems = Vec::new();
        if let Some(documented) = response.get("headers").and_then(Value::as_object) {
            for (name, header) in documented {
                let (at, header) = self.resolve(&format!("{pointer}/headers/{name}"), header)?;
                if let Err(problem) = self.header(&at, name, header, headers) {
                    problems.push(problem);
                }
            }
        }
        if response["content"].get("application/json").is_none() {
            problems.push("the contract gives this response no application/json body".into());
        } else {
            let schema = format!("{pointer}/content/application~1json/schema");
            if let Err(problem) = self.validate(&schema, body) {
                problems.push(problem);
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!("{} (at #{pointer})", problems.join("; ")))
        }
    }

    /// Checks the header `name` of `headers` against the header object `header`, found
    /// at `pointer`.
    fn header(
        &self,
        pointer: &str,
        name: &str,
        header: &Value,
        headers: &HeaderMap,
    ) -> Result<(), String> {
        let values: Vec<&str> = headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap_or("\u{fffd}"))
            .collect();
        if values.is_empty() {
            return if header["required"] == json!(true) {
                Err(format!("the required header {name} is missing"))
            } else {
                Ok(())
            };
        }
        let validator = self.validator(&format!("{pointer}/schema"))?;
        for value in values {
            let instance = if header["schema"]["type"] == json!("integer") {
                value
                    .parse::<i64>()
                    .map(Value::from)
                    .map_err(|_| format!("header {name}: {value:?} is not an integer"))?
            } else {
                Value::String(value.to_owned())
            };
            if let Some(error) = validator.iter_errors(&instance).next() {
                return Err(format!("header {name}: {value:?}: {error}"));
            }
        }
        Ok(())
    }

    /// Follows `value`'s `$ref`, if any: the pointer and object it names.
    fn resolve<'a>(
        &'a self,
        pointer: &str,
        value: &'a Value,
    ) -> Result<(String, &'a Value), String> {
        match value.get("$ref").and_then(Value::as_str) {
            None => Ok((pointer.to_owned(), value)),
            Some(reference) => {
                let target = reference
                    .strip_prefix('#')
                    .ok_or_else(|| format!("{reference} is not a local reference"))?;
                let found = self
                    .document
                    .pointer(target)
                    .ok_or_else(|| format!("{reference} names nothing"))?;
                self.resolve(target, found)
            }
        }
    }

    /// The validator of the schema at `pointer`, compiled once.
    fn validator(&self, pointer: &str) -> Result<Arc<Validator>, String> {
        let mut cache = self
            .validators
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(validator) = cache.get(pointer) {
            return Ok(Arc::clone(validator));
        }
        // A JSON pointer in a URI fragment: the braces of `{key}` must be escaped.
        let fragment = pointer.replace('{', "%7B").replace('}', "%7D");
        let validator = Arc::new(compile(&self.document, &format!("#{fragment}"))?);
        cache.insert(pointer.to_owned(), Arc::clone(&validator));
        Ok(validator)
    }

    /// Validates `instance` against the schema at `pointer`.
    fn validate(&self, pointer: &str, instance: &Value) -> Result<(), String> {
        let validator = self.validator(pointer)?;
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!("{instance} is not valid: {}", errors.join(", ")))
        }
    }
}

/// Compiles the schema `reference` points to in the contract: the reference becomes the
/// root of a copy of the whole document, so that every `#/components/...` in it
/// resolves (the document's own members are unknown keywords to JSON Schema, and
/// ignored).
fn compile(document: &Value, reference: &str) -> Result<Validator, String> {
    let mut root = document.clone();
    if let Some(root) = root.as_object_mut() {
        root.insert("$ref".into(), json!(reference));
        root.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
    }
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .should_validate_formats(true)
        .build(&root)
        .map_err(|e| format!("the contract's schema {reference} does not compile: {e}"))
}

/// A path template as one JSON-pointer token.
fn escape(template: &str) -> String {
    template.replace('~', "~0").replace('/', "~1")
}

/// Appends `METHOD template STATUS` to the file [`LOG_VARIABLE`] names, if set.
fn log(sent: &Sent, template: &str, status: StatusCode) {
    let Some(path) = std::env::var_os(LOG_VARIABLE) else {
        return;
    };
    let line = format!("{} {template} {}\n", sent.method, status.as_u16());
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| file.write_all(line.as_bytes()));
    if let Err(e) = written {
        eprintln!("cannot append to {}: {e}", path.to_string_lossy());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(method: Method, path: &str) -> Sent {
        Sent {
            method,
            path: path.to_owned(),
        }
    }

    fn json_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("cache-control", "no-store".parse().expect("header"));
        headers.insert("x-content-type-options", "nosniff".parse().expect("header"));
        headers
    }

    fn rule() -> Value {
        json!({
            "key": "01JD2Z6K3M8N0P4Q5R6S7T8V9W", "name": "buy milk", "desc": "",
            "status": 0, "progress": 0, "owner": "alice",
            "createdAt": "2026-11-22T10:00:00Z", "updatedAt": "2026-11-22T10:00:00Z",
            "version": 1
        })
    }

    #[test]
    fn a_documented_answer_passes() {
        let answer = check(
            &sent(Method::GET, "/api/rule/01JD2Z6K3M8N0P4Q5R6S7T8V9W"),
            StatusCode::OK,
            &json_headers(),
            &rule(),
        );
        assert_eq!(answer, Ok(()));
    }

    #[test]
    fn an_extra_field_a_missing_header_or_an_unlisted_status_fails() {
        let mut extra = rule();
        extra["secret"] = json!(1);
        let path = sent(Method::GET, "/api/rule/01JD2Z6K3M8N0P4Q5R6S7T8V9W");
        assert!(check(&path, StatusCode::OK, &json_headers(), &extra).is_err());
        assert!(check(&path, StatusCode::OK, &HeaderMap::new(), &rule()).is_err());
        let error = json!({"success": false, "errorCode": "CONFLICT", "errorMessage": "x"});
        assert!(check(&path, StatusCode::CONFLICT, &json_headers(), &error).is_err());
    }

    #[test]
    fn an_error_code_must_be_the_one_its_status_documents() {
        let path = sent(Method::GET, "/api/rule");
        let mut headers = json_headers();
        headers.insert("www-authenticate", "Bearer".parse().expect("header"));
        let wrong = json!({"success": false, "errorCode": "NOT_FOUND", "errorMessage": "x"});
        assert!(check(&path, StatusCode::UNAUTHORIZED, &headers, &wrong).is_err());
        let right = json!({"success": false, "errorCode": "UNAUTHORIZED", "errorMessage": "x"});
        assert_eq!(
            check(&path, StatusCode::UNAUTHORIZED, &headers, &right),
            Ok(())
        );
    }

    #[test]
    fn an_unsupported_method_needs_allow_to_name_the_paths_methods() {
        let path = sent(Method::PATCH, "/api/rule/");
        let body =
            json!({"success": false, "errorCode": "METHOD_NOT_ALLOWED", "errorMessage": "x"});
        let mut headers = json_headers();
        headers.insert("allow", "GET, POST, PUT, DELETE".parse().expect("header"));
        assert_eq!(
            check(&path, StatusCode::METHOD_NOT_ALLOWED, &headers, &body),
            Ok(())
        );
        headers.insert("allow", "GET, POST".parse().expect("header"));
        assert!(check(&path, StatusCode::METHOD_NOT_ALLOWED, &headers, &body).is_err());
    }
}
