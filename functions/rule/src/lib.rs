//! The rule function: each user's todos.
//!
//! - [`routes`] is the function as an axum `Router`: which method and path reach which
//!   handler, every one behind a verified token.
//! - [`state`] is what the initializer builds once per instance: the warmed stores and
//!   the token verifier (a public key only: this function cannot mint sessions).
//! - [`handlers`] holds one file per route (list, get, post, update, delete) and
//!   [`handlers::writes`], which carries out every write the same way, whichever way
//!   the client spelled it, with `Idempotency-Key` support and truthful answers.
//!
//! Every route is protected: the router verifies the token first, each handler checks
//! that its session is still open, and every store call is scoped to the
//! authenticated user's partition, so nobody can reach another's todos.

pub mod handlers;
pub mod routes;
pub mod state;

pub use routes::router;
pub use state::RuleState;
