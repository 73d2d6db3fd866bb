//! The rule function's API tests: real handlers, a real DynamoDB API (dynoxide),
//! a fresh table per test created from `template.yml`.

mod concurrency;
mod conflicts;
mod container;
mod create;
mod delete;
mod edge;
mod events;
mod get;
mod helpers;
mod idempotency;
mod initializer;
mod isolation;
mod jwt_attacks;
mod list;
mod paging;
mod post_methods;
mod sessions;
mod update;
