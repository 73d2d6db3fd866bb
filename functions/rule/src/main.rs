//! The `rule` Lambda function: `bootstrap` on `provided.al2023`.
//!
//! `main` is the initializer entry followed by the runtime loop, nothing else.

use once_cell::sync::OnceCell;
use rule_function::RuleState;
use shared::config::{Config, SigningKey};

/// Every allocation of the instance: mimalloc spends less CPU per request than glibc's
/// allocator, which a warm request otherwise spends a tenth of its time in.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The warmed state, built once per instance before the first invocation.
static STATE: OnceCell<RuleState> = OnceCell::new();

/// One thread serves all the instance's requests at once: an instance has at most one
/// vCPU (128 MB on demand; 2 GiB, at Managed Instances' default 2 GiB per vCPU), and
/// its requests wait on I/O, so a second worker thread would only hand tasks between
/// threads, about 15 % of the CPU a request costs (`docs/benchmarks.md`).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::runtime::init_logging();
    let config = match Config::from_env(SigningKey::NotUsed) {
        Ok(config) => config,
        Err(error) => shared::init::fail(&error.into()).await,
    };
    let timeout = config.initializer_timeout;
    let state = shared::init::initialize_or_exit(&STATE, timeout, |started| {
        RuleState::build(config, started)
    })
    .await;
    shared::runtime::serve(rule_function::router(state)).await
}
