//! The signal that ends a long-running process: Ctrl-C, or SIGTERM (what `podman stop`,
//! Kubernetes and `kill` send). The functions' container mode and the local platform's
//! `dev` both wait on it, then drain.

/// Waits for Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let terminate = async {
        #[cfg(unix)]
        if let Ok(mut terminate) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            terminate.recv().await;
            return;
        }
        // No SIGTERM to wait for: Ctrl-C alone ends the process.
        std::future::pending::<()>().await
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}
