//! What a run records about itself, below the runtime that writes it: [`logs`]
//! (Lambda-style log lines), [`stats`] (each function's counters and histograms) and
//! [`emf`] (the functions' own metrics, read from their log lines).
//! The server shows them (`server::metrics`, `server::status_page`).

pub mod emf;
pub mod logs;
pub mod stats;
