//! Why an invocation got no answer from its function: what the pool reports, and the
//! server maps onto HTTP (`crate::server::errors`).

/// Why an invocation got no answer from the function.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InvokeError {
    /// The queue of waiting requests is full.
    #[error("Too many requests are waiting for the {function} function; try again shortly.")]
    Throttled {
        /// The function.
        function: String,
    },
    /// No instance could serve in time: init failed or timed out, or the queue deadline passed.
    #[error("The {function} function is unavailable ({reason}); try again shortly.")]
    Unavailable {
        /// The function.
        function: String,
        /// What happened.
        reason: String,
    },
    /// The function ran past its timeout.
    #[error("The {function} function did not answer within its {seconds} s timeout.")]
    Timeout {
        /// The function.
        function: String,
        /// The timeout in seconds.
        seconds: f64,
    },
    /// The instance died while serving the request.
    #[error(
        "The {function} instance serving this request stopped unexpectedly; retry the request."
    )]
    Crashed {
        /// The function.
        function: String,
    },
    /// The handler returned an error instead of a response.
    #[error("The {function} function failed to handle the request: {message}")]
    Function {
        /// The function.
        function: String,
        /// The error the runtime reported.
        message: String,
    },
    /// The function's answer is not a valid HTTP API response.
    #[error("The {function} function gave an invalid response: {message}")]
    BadResponse {
        /// The function.
        function: String,
        /// What is wrong.
        message: String,
    },
}

impl InvokeError {
    /// A short label for metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            InvokeError::Throttled { .. } => "throttled",
            InvokeError::Unavailable { .. } => "unavailable",
            InvokeError::Timeout { .. } => "timeout",
            InvokeError::Crashed { .. } => "crash",
            InvokeError::Function { .. } => "function",
            InvokeError::BadResponse { .. } => "bad_response",
        }
    }
}
