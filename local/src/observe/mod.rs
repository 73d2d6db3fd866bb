//! What a run records about itself, below the runtime that writes it: [`logs`]
//! (Lambda-style log lines) and [`stats`] (each function's counters and histograms).
//! The server shows them (`server::metrics`, `server::status_page`).

pub mod logs;
pub mod stats;
