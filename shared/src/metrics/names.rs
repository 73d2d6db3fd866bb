//! The business metrics the functions publish, in CloudWatch's embedded metric format:
//! namespace [`NAMESPACE`], dimension [`FUNCTION_DIMENSION`] (the Lambda function's
//! name), and these names. The template's dashboard and the local platform's
//! `/metrics` read the same names; no metric carries a user id or another personal value.

/// The CloudWatch namespace of every business metric.
pub const NAMESPACE: &str = "TodoService";
/// The dimension every metric carries: the function's name (`AWS_LAMBDA_FUNCTION_NAME`).
pub const FUNCTION_DIMENSION: &str = "Function";
/// The extra dimension of [`INIT_ERRORS`]: which kind of initializer failure.
pub const ERROR_TYPE_DIMENSION: &str = "ErrorType";

pub const TODOS_CREATED: &str = "TodosCreated";
pub const TODOS_UPDATED: &str = "TodosUpdated";
pub const TODOS_DELETED: &str = "TodosDeleted";
pub const IDEMPOTENT_REPLAYS: &str = "IdempotentReplays";
pub const CONFLICTS_RETRIED: &str = "ConflictsRetried";
pub const LOGINS_SUCCEEDED: &str = "LoginsSucceeded";
pub const LOGINS_REFUSED: &str = "LoginsRefused";
pub const LOGINS_THROTTLED: &str = "LoginsThrottled";
pub const SESSIONS_ENDED: &str = "SessionsEnded";
pub const ACCOUNTS_CLOSED: &str = "AccountsClosed";
/// Milliseconds the initializer took (once per instance).
pub const INIT_DURATION: &str = "InitDuration";
pub const INIT_ERRORS: &str = "InitErrors";
