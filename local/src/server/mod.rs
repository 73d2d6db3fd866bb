//! The HTTP side, on one port, composed over a running [`Platform`]: [`serve`] answers
//! with [`router`], which puts together the platform's own pages ([`fixed_routes`]:
//! [`metrics`] with the functions' own ([`emf_metrics`]), the [`status_page`], the contract), Lambda's Invoke API ([`invoke_api`], for
//! `aws lambda invoke` and the SDKs), the template's routes ([`gateway`], which picks the
//! function with [`routes`] and speaks payload 2.0 through [`event`]), and the frontend
//! ([`static_files`], without what [`deploy_ignore`] leaves out) for what nothing claims. [`errors`] are the contract's error answers.

pub mod deploy_ignore;
pub mod emf_metrics;
pub mod errors;
pub mod event;
pub mod fixed_routes;
pub mod gateway;
pub mod invoke_api;
pub mod metrics;
pub mod request_body;
pub mod routes;
pub mod static_files;
pub mod status_page;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::platform::Platform;
use crate::server::gateway::Gateway;
use crate::server::routes::{RouteError, RouteTable};
use crate::server::static_files::StaticSite;

/// How to serve.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// The frontend folder, if any.
    pub web_dir: Option<PathBuf>,
    /// The client timeouts of the HTTP edge (tests use short ones).
    pub timeouts: shared::edge::Timeouts,
}

/// Why the server cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The template's routes cannot be served.
    #[error(transparent)]
    Routes(#[from] RouteError),
    /// The frontend's `.deployignore` cannot be used.
    #[error(transparent)]
    Site(#[from] deploy_ignore::DeployIgnoreError),
}

/// The platform's routes of every function, checked against the fixed ones.
pub fn route_table(platform: &Platform) -> Result<RouteTable, RouteError> {
    let table = RouteTable::new(platform.pools().values().map(|pool| pool.spec()))?;
    let mut taken = matchit::Router::new();
    for path in fixed_routes::PATHS
        .into_iter()
        .chain([invoke_api::INVOKE_PATH, invoke_api::OTHER_OPERATIONS])
    {
        taken.insert(path, ()).map_err(|e| RouteError::Conflict {
            path: path.to_owned(),
            with: e.to_string(),
        })?;
    }
    for path in table.paths() {
        taken
            .insert(path.axum_path.as_str(), ())
            .map_err(|e| RouteError::Conflict {
                path: path.template_path.clone(),
                with: match e {
                    matchit::InsertError::Conflict { with } => {
                        format!("{with}, which the local platform serves itself")
                    }
                    other => other.to_string(),
                },
            })?;
    }
    Ok(table)
}

/// Every HTTP route over `platform`. Paths with a `.` or `..` segment get a 400 first,
/// as the functions give one (`lambda_http` would resolve them): every route, static
/// files included, reads the path one way.
pub fn router(platform: &Arc<Platform>, options: &ServerOptions) -> Result<Router, ServeError> {
    let table = route_table(platform)?;
    let site = match &options.web_dir {
        Some(dir) => Some(Arc::new(StaticSite::open(dir)?)),
        None => None,
    };
    let state = Gateway {
        platform: platform.clone(),
        read_timeout: options.timeouts.read,
        site,
        default_route: table.default_route().cloned().map(Arc::new),
    };
    Ok(fixed_routes::routes()
        .merge(invoke_api::routes())
        .merge(gateway::function_routes(&table))
        .fallback(gateway::unclaimed)
        .layer(axum::middleware::from_fn(refuse_dot_segments))
        .with_state(state))
}

/// The 400 for a path with a dot segment, before any route.
async fn refuse_dot_segments(request: Request, next: Next) -> Response {
    match shared::http::path::refuse_dot_segments_in(request.uri().path()) {
        Ok(()) => next.run(request).await,
        Err(error) => gateway::api_error(&error),
    }
}

/// Serves [`router`] on `listener` until the task is aborted, on the same HTTP edge as
/// container mode (`shared::edge`: timeouts, contract-shaped errors).
pub fn serve(
    platform: &Arc<Platform>,
    listener: TcpListener,
    options: ServerOptions,
) -> Result<JoinHandle<()>, ServeError> {
    let router = router(platform, &options)?;
    Ok(tokio::spawn(shared::edge::serve(
        listener,
        options.timeouts,
        router,
        std::future::pending(),
    )))
}
