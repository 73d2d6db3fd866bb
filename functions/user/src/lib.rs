//! The user function: accounts and sessions.
//!
//! - [`routes`] is the function as an axum `Router`: which method and path reach which
//!   handler.
//! - [`state`] is what the initializer builds once per instance.
//! - [`hashing`] runs Argon2 off the async runtime, a bounded number at once.
//! - [`handlers`] holds one file per route: register, login, logout, current user,
//!   delete account; [`closing`] finishes an account's deletion.
//!
//! Every handler answers; an error becomes a contract-shaped response.

pub mod closing;
pub mod handlers;
pub mod hashing;
pub mod routes;
pub mod state;

pub use routes::router;
pub use state::UserState;
