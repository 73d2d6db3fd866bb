//! The functions of `template.yml`, resolved for a local run.
//!
//! For each `AWS::Serverless::Function` this gathers what running it takes: the
//! binary (`Metadata.BuildProperties.Binary`), memory and timeout (the function or
//! `Globals.Function`), the environment (globals merged with the function's, intrinsic
//! functions resolved), its `HttpApi` routes, and its lifecycle from the mapping
//! `Mappings.Lifecycle.<LogicalId>`: initializer, initializer timeout and per-instance
//! concurrency.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use serde_norway::Value;

use crate::template::lifecycle::{Lifecycle, LifecycleError, lifecycle};
use crate::template::resolve::{ResolveError, Resolver};
use crate::template::{Ordered, Resource, Template, TemplateError, read};

/// Lambda's default memory size, in MB.
pub const DEFAULT_MEMORY_MB: u32 = 128;
/// Lambda's default function timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);

/// Why the functions could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FunctionError {
    /// The template itself is malformed.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// A value could not be resolved.
    #[error("{function}: {source}")]
    Resolve {
        /// The function's logical id.
        function: String,
        /// What failed.
        #[source]
        source: ResolveError,
    },
    /// Its `Mappings.Lifecycle` entry is malformed.
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    /// A property has the wrong type.
    #[error("{function}: {message}")]
    Invalid {
        /// The function's logical id.
        function: String,
        /// What is wrong.
        message: String,
    },
}

/// One `HttpApi` route of a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    /// Upper-case method, or `ANY`.
    pub method: String,
    /// The path template, e.g. `/api/rule/{key}`, or `$default`.
    pub path: String,
}

/// A function, ready to run locally.
#[derive(Debug, Clone)]
pub struct FunctionSpec {
    /// The logical id, e.g. `RuleFunction`.
    pub logical_id: String,
    /// The short name used on the command line, in logs and in paths: the binary name.
    pub name: String,
    /// The executable's file name, looked up in the platform's binary folder.
    pub binary: String,
    /// `Handler` (`bootstrap` for the Rust functions), for `_HANDLER`.
    pub handler: String,
    /// `Metadata.BuildMethod` (`rust-cargolambda`, `esbuild`, ...), if any.
    pub build_method: Option<String>,
    /// The function's built package folder, when it runs from one (its `bootstrap`
    /// is started there, as Lambda starts it in `/var/task`) instead of as `binary`.
    pub package_dir: Option<std::path::PathBuf>,
    /// `AWS_LAMBDA_FUNCTION_NAME`: `FunctionName` when literal, else `local-<LogicalId>`.
    pub function_name: String,
    /// Memory size in MB.
    pub memory_mb: u32,
    /// The function timeout.
    pub timeout: Duration,
    /// Environment variables, resolved (dynamic references such as
    /// `{{resolve:secretsmanager:...}}` are left for the caller to replace).
    pub environment: BTreeMap<String, String>,
    /// Its HTTP API routes.
    pub routes: Vec<RouteSpec>,
    /// `LoggingConfig.LogFormat` (`Text` or `JSON`), for `AWS_LAMBDA_LOG_FORMAT`.
    pub log_format: String,
    /// `LoggingConfig.ApplicationLogLevel`, for `AWS_LAMBDA_LOG_LEVEL`.
    pub log_level: Option<String>,
    /// Initializer, initializer timeout, per-instance concurrency and container scaling.
    pub lifecycle: Lifecycle,
}

impl FunctionSpec {
    /// A spec with defaults, for tests and tools that build functions by hand.
    pub fn new(name: &str, binary: &str) -> Self {
        Self {
            logical_id: name.to_owned(),
            name: name.to_owned(),
            binary: binary.to_owned(),
            handler: "bootstrap".to_owned(),
            build_method: None,
            package_dir: None,
            function_name: format!("local-{name}"),
            memory_mb: DEFAULT_MEMORY_MB,
            timeout: DEFAULT_TIMEOUT,
            environment: BTreeMap::new(),
            routes: Vec::new(),
            log_format: "Text".to_owned(),
            log_level: None,
            lifecycle: Lifecycle::default(),
        }
    }
}

/// A function's `Properties` (and `Globals.Function`), as written: the values that
/// may hold an intrinsic function stay YAML values, for the resolver.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct FunctionProperties {
    function_name: Option<Value>,
    handler: Option<Value>,
    memory_size: Option<Value>,
    timeout: Option<Value>,
    environment: Option<Environment>,
    logging_config: Option<LoggingConfig>,
    #[serde(default)]
    events: Ordered<Event>,
}

/// `Environment`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Environment {
    #[serde(default)]
    variables: BTreeMap<String, Value>,
}

/// `LoggingConfig`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LoggingConfig {
    log_format: Option<Value>,
    application_log_level: Option<Value>,
}

/// An event source of a function; only `HttpApi` ones are routed locally.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Event {
    #[serde(rename = "Type")]
    kind: String,
    #[serde(default)]
    properties: HttpApiEvent,
}

/// An `HttpApi` event's `Properties` (a missing `Path` is the `$default` route).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HttpApiEvent {
    path: Option<Value>,
    method: Option<Value>,
}

/// Every serverless function of `template`, resolved with `resolver`.
pub fn functions(
    template: &Template,
    resolver: &Resolver<'_>,
) -> Result<Vec<FunctionSpec>, FunctionError> {
    let globals: FunctionProperties = read(template.function_globals(), "Globals")?;
    template
        .resources()
        .filter(|r| r.resource_type == "AWS::Serverless::Function")
        .map(|r| function(template, resolver, &globals, r))
        .collect()
}

/// The spec of function `r`, its properties falling back to `globals`.
fn function(
    template: &Template,
    resolver: &Resolver<'_>,
    globals: &FunctionProperties,
    r: Resource<'_>,
) -> Result<FunctionSpec, FunctionError> {
    let id = r.logical_id;
    let resolve_err = |source| FunctionError::Resolve {
        function: id.to_owned(),
        source,
    };
    let properties: FunctionProperties = r.properties()?;
    let text = |value: Option<&Value>| {
        value
            .map(|v| resolver.text(v))
            .transpose()
            .map_err(resolve_err)
    };
    let number = |name: &str, value: Option<&Value>| -> Result<Option<u64>, FunctionError> {
        match text(value)? {
            None => Ok(None),
            Some(text) => text.parse().map(Some).map_err(|_| FunctionError::Invalid {
                function: id.to_owned(),
                message: format!("{name} {text:?} is not a number"),
            }),
        }
    };
    let binary = r
        .metadata
        .build_properties
        .binary
        .clone()
        .unwrap_or_else(|| id.trim_end_matches("Function").to_lowercase());
    let mut environment = BTreeMap::new();
    for source in [&globals.environment, &properties.environment]
        .into_iter()
        .flatten()
    {
        for (name, value) in &source.variables {
            environment.insert(name.clone(), resolver.text(value).map_err(resolve_err)?);
        }
    }
    let logging = properties
        .logging_config
        .as_ref()
        .or(globals.logging_config.as_ref());
    let memory_size = properties
        .memory_size
        .as_ref()
        .or(globals.memory_size.as_ref());
    let timeout = properties.timeout.as_ref().or(globals.timeout.as_ref());
    Ok(FunctionSpec {
        logical_id: id.to_owned(),
        name: binary.clone(),
        binary,
        handler: text(properties.handler.as_ref().or(globals.handler.as_ref()))?
            .unwrap_or_else(|| "bootstrap".to_owned()),
        build_method: r.metadata.build_method.clone(),
        package_dir: None,
        function_name: text(properties.function_name.as_ref())?
            .unwrap_or_else(|| format!("local-{id}")),
        memory_mb: number("MemorySize", memory_size)?.map_or(DEFAULT_MEMORY_MB, |m| m as u32),
        timeout: number("Timeout", timeout)?.map_or(DEFAULT_TIMEOUT, Duration::from_secs),
        environment,
        routes: routes(&properties.events, resolver).map_err(resolve_err)?,
        log_format: text(logging.and_then(|l| l.log_format.as_ref()))?
            .unwrap_or_else(|| "Text".to_owned()),
        log_level: text(logging.and_then(|l| l.application_log_level.as_ref()))?,
        lifecycle: lifecycle(template, id)?,
    })
}

fn routes(
    events: &Ordered<Event>,
    resolver: &Resolver<'_>,
) -> Result<Vec<RouteSpec>, ResolveError> {
    let mut out = Vec::new();
    for (_, event) in events.iter().filter(|(_, e)| e.kind == "HttpApi") {
        let text = |value: &Option<Value>| value.as_ref().map(|v| resolver.text(v)).transpose();
        let method =
            text(&event.properties.method)?.map_or_else(|| "ANY".to_owned(), |m| m.to_uppercase());
        let method = if method == "X-AMAZON-APIGATEWAY-ANY-METHOD" {
            "ANY".to_owned()
        } else {
            method
        };
        let path = text(&event.properties.path)?.unwrap_or_else(|| "$default".to_owned());
        out.push(RouteSpec { method, path });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
Globals:
  Function:
    MemorySize: 256
    Timeout: 5
    Environment:
      Variables:
        JWT_ISSUER: todo
Mappings:
  Lifecycle:
    RuleFunction:
      Initializer: rule::init
      InitializerTimeoutSeconds: 2
      PerInstanceConcurrency: 10
Resources:
  TodoTable:
    Type: AWS::DynamoDB::Table
  RuleFunction:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: rust-cargolambda
      BuildProperties: { Binary: rule }
    Properties:
      Timeout: 7
      Environment:
        Variables:
          TABLE_NAME: !Ref TodoTable
          INITIALIZER_TIMEOUT_SECONDS: !FindInMap [Lifecycle, RuleFunction, InitializerTimeoutSeconds]
          JWT_PUBLIC_KEY: '{{resolve:secretsmanager:todo/jwt:SecretString:public}}'
      Events:
        List: { Type: HttpApi, Properties: { Path: /api/rule, Method: get } }
        One: { Type: HttpApi, Properties: { Path: '/api/rule/{key}', Method: ANY } }
"#;

    #[test]
    fn the_project_template_resolves() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yml");
        if !path.exists() {
            return;
        }
        let template = Template::load(path).expect("template.yml parses");
        // The parameters `make deploy` passes (they have no default).
        let key = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
        let kid = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";
        let overrides = BTreeMap::from([
            ("JwtPublicKeys".to_owned(), key.to_owned()),
            ("JwtSigningKeyId".to_owned(), kid.to_owned()),
        ]);
        let resolver = Resolver::new(&template, "us-east-1", &overrides);
        let specs = functions(&template, &resolver).expect("functions resolve");
        for spec in &specs {
            assert!(spec.lifecycle.concurrency >= 1);
            assert!(!spec.routes.is_empty(), "{} has routes", spec.name);
            assert_eq!(spec.environment["JWT_PUBLIC_KEYS"], key);
            for (name, value) in &spec.environment {
                assert!(
                    !value.contains("{{resolve:") && !value.contains("PRIVATE KEY"),
                    "{}: {name} must not carry key material",
                    spec.name
                );
            }
        }
        let user = specs.iter().find(|s| s.name == "user").expect("user");
        assert_eq!(user.environment["JWT_SIGNING_KEY_ID"], kid);
        assert_eq!(
            user.environment["JWT_SIGNING_KEY_SECRET"],
            "todo-service/jwt-keys"
        );
        let rule = specs.iter().find(|s| s.name == "rule").expect("rule");
        assert!(!rule.environment.contains_key("JWT_SIGNING_KEY_SECRET"));
    }

    #[test]
    fn functions_are_read_with_lifecycle_routes_and_environment() {
        let template = Template::parse(SAMPLE).expect("parses");
        let overrides = BTreeMap::from([("TodoTable".to_owned(), "todo-local".to_owned())]);
        let resolver = Resolver::new(&template, "us-east-1", &overrides);
        let specs = functions(&template, &resolver).expect("functions");
        assert_eq!(specs.len(), 1);
        let rule = &specs[0];
        assert_eq!(rule.name, "rule");
        assert_eq!(rule.memory_mb, 256);
        assert_eq!(rule.timeout, Duration::from_secs(7));
        assert_eq!(rule.lifecycle.concurrency, 10);
        assert_eq!(rule.lifecycle.init_timeout, Duration::from_secs(2));
        assert_eq!(rule.lifecycle.initializer.as_deref(), Some("rule::init"));
        assert_eq!(rule.environment["TABLE_NAME"], "todo-local");
        assert_eq!(rule.environment["JWT_ISSUER"], "todo");
        assert_eq!(rule.environment["INITIALIZER_TIMEOUT_SECONDS"], "2");
        assert!(rule.environment["JWT_PUBLIC_KEY"].starts_with("{{resolve:"));
        assert_eq!(
            rule.routes,
            vec![
                RouteSpec {
                    method: "GET".into(),
                    path: "/api/rule".into()
                },
                RouteSpec {
                    method: "ANY".into(),
                    path: "/api/rule/{key}".into()
                },
            ]
        );
    }
}
