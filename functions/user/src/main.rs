//! The `user` Lambda function: `bootstrap` on `provided.al2023`.
//!
//! `main` is the initializer entry followed by the runtime loop, nothing else.

use once_cell::sync::OnceCell;
use shared::config::{Config, SigningKey};
use user_function::UserState;

/// Every allocation of the instance: mimalloc spends less CPU per request than glibc's
/// allocator, which a warm request otherwise spends a tenth of its time in.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The warmed state, built once per instance before the first invocation.
static STATE: OnceCell<UserState> = OnceCell::new();

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::runtime::init_logging();
    let config = match Config::from_env(SigningKey::Required) {
        Ok(config) => config,
        Err(error) => shared::init::fail(&error.into()).await,
    };
    let timeout = config.initializer_timeout;
    let state = shared::init::initialize_or_exit(&STATE, timeout, |started| {
        UserState::build(config, started)
    })
    .await;
    shared::runtime::serve(user_function::router(state)).await
}
