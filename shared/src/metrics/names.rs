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

/// Todos created (a replayed create is not counted again).
pub const TODOS_CREATED: &str = "TodosCreated";
/// Todos updated (a stale or unknown todo is not counted).
pub const TODOS_UPDATED: &str = "TodosUpdated";
/// Todos deleted: a delete of ten existing todos adds ten.
pub const TODOS_DELETED: &str = "TodosDeleted";
/// Writes answered from the record of their `Idempotency-Key`.
pub const IDEMPOTENT_REPLAYS: &str = "IdempotentReplays";
/// Transactions retried after they met a concurrent one.
pub const CONFLICTS_RETRIED: &str = "ConflictsRetried";
/// Logins that opened a session.
pub const LOGINS_SUCCEEDED: &str = "LoginsSucceeded";
/// Logins refused for a wrong name or password (401).
pub const LOGINS_REFUSED: &str = "LoginsRefused";
/// Logins refused because the name had no attempt left (429).
pub const LOGINS_THROTTLED: &str = "LoginsThrottled";
/// Sessions ended by a logout.
pub const SESSIONS_ENDED: &str = "SessionsEnded";
/// Accounts deleted by their owner.
pub const ACCOUNTS_CLOSED: &str = "AccountsClosed";
/// Milliseconds the initializer took (once per instance).
pub const INIT_DURATION: &str = "InitDuration";
/// Initializers that failed, by [`ERROR_TYPE_DIMENSION`].
pub const INIT_ERRORS: &str = "InitErrors";
