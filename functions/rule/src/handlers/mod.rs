//! One handler per route, and the one place writes are carried out.

pub mod delete;
pub mod get;
pub mod list;
pub mod post;
pub mod update;
pub mod writes;
