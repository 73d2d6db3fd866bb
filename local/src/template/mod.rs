//! `template.yml` for a local run: the document and its tables are read by
//! [`local_datastore::template`] (re-exported here, shared with the tests); [`resolve`]
//! evaluates intrinsic functions, [`lifecycle`] reads each function's entry of the
//! `Lifecycle` mapping and [`functions`] turns the functions into specs.

pub mod functions;
pub mod lifecycle;
pub mod resolve;

pub use local_datastore::template::*;
