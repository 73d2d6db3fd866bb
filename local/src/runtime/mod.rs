//! The Lambda side of the platform: [`runtime_api`] is the Runtime API the instances
//! poll, [`instance`] starts their processes, [`pool`] schedules requests onto instances
//! (or fails with an [`invoke_error::InvokeError`])
//! and scales them under a [`policy`] ([`container_scaling`]: the template's instance
//! bounds and watermarks for the watermark policy); [`procfs`] reads an instance's memory
//! and CPU time.

pub mod container_scaling;
pub mod instance;
pub mod invoke_error;
pub mod policy;
pub mod pool;
pub mod procfs;
pub mod runtime_api;
