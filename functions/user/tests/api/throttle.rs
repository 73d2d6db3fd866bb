//! The login throttle's store, driven directly: reservations racing a window rollover.

use std::time::Duration;

use shared::store::users::AttemptRefused;

use crate::helpers::{TestApp, spawn_app};

/// Reserves `count` attempts for `name` at once; returns how many were granted.
async fn reserve_in_parallel(app: &TestApp, count: usize, max: u32, window: Duration) -> usize {
    let mut reservations = tokio::task::JoinSet::new();
    for _ in 0..count {
        let users = app.state.users.clone();
        reservations.spawn(async move {
            users
                .reserve_login_attempt("racer", max, window)
                .await
                .expect("the datastore answers")
        });
    }
    let outcomes = reservations.join_all().await;
    for refused in outcomes.iter().filter_map(|o| o.err()) {
        assert!(
            matches!(refused, AttemptRefused::Exhausted { .. }),
            "{refused:?}"
        );
    }
    outcomes.iter().filter(|o| o.is_ok()).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_reservations_racing_a_window_rollover_are_granted_exactly_max_per_window() {
    let app = spawn_app().await;
    // Two seconds: a burst (milliseconds) cannot outlive a window that started in
    // its first second, as windows start on whole seconds.
    let window = Duration::from_secs(2);
    assert_eq!(reserve_in_parallel(&app, 12, 3, window).await, 3);
    // Let the window end, then race to open the next one.
    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert_eq!(reserve_in_parallel(&app, 12, 3, window).await, 3);
}

#[tokio::test]
async fn a_cleared_counter_grants_a_full_allowance_again() {
    let app = spawn_app().await;
    let window = Duration::from_secs(900);
    assert_eq!(reserve_in_parallel(&app, 6, 3, window).await, 3);
    let refused = app
        .state
        .users
        .reserve_login_attempt("racer", 3, window)
        .await
        .expect("the datastore answers");
    assert!(
        matches!(refused, Err(AttemptRefused::Exhausted { window_end }) if window_end > shared::time::now_epoch_seconds())
    );
    app.state
        .users
        .clear_login_attempts("racer")
        .await
        .expect("cleared");
    assert_eq!(reserve_in_parallel(&app, 6, 3, window).await, 3);
}
