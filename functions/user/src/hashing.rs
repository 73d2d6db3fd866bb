//! Password hashing off the async runtime, at most `limit` hashes at once.
//!
//! Each Argon2 hash allocates its 19 MiB of working memory and frees it when done, so
//! the memory hashing holds at any moment is at most `limit` × 19 MiB:
//!
//! - a semaphore of `limit` permits bounds how many hashes run at once;
//! - the permit travels into the blocking job, so a request that is dropped while its
//!   hash runs (a client gone, a timeout) cannot let another hash start beside it;
//! - the function's allocator (mimalloc, `main.rs`) gives a freed working memory back
//!   to the system. glibc's, left to itself, kept them: an instance grew to 800 MiB
//!   under parallel logins (docs/security.md).

use std::sync::Arc;

use tokio::sync::Semaphore;

/// A job that did not run to its end: the semaphore was closed, or the job panicked.
#[derive(Debug, thiserror::Error)]
#[error("the password hashing job did not complete: {0}")]
pub struct HashingFailed(String);

/// Runs password hashing on blocking threads, at most `limit` at once.
#[derive(Debug, Clone)]
pub struct Hashing {
    permits: Arc<Semaphore>,
}

impl Hashing {
    /// Room for `limit` concurrent hashes.
    pub fn new(limit: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(limit)),
        }
    }

    /// Runs `work` on a blocking thread once a permit is free.
    pub async fn run<T, F>(&self, work: F) -> Result<T, HashingFailed>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|e| HashingFailed(e.to_string()))?;
        tokio::task::spawn_blocking(move || {
            let result = work();
            drop(permit);
            result
        })
        .await
        .map_err(|e| HashingFailed(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_parallel_jobs_run_at_most_the_limit_at_once() {
        let hashing = Hashing::new(2);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let jobs: Vec<_> = (0..12)
            .map(|_| {
                let (hashing, running, most) =
                    (hashing.clone(), Arc::clone(&running), Arc::clone(&most));
                tokio::spawn(async move {
                    hashing
                        .run(move || {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(20));
                            running.fetch_sub(1, Ordering::SeqCst);
                        })
                        .await
                })
            })
            .collect();
        for job in jobs {
            job.await.expect("task ran").expect("job ran");
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dropped_request_keeps_its_permit_until_its_hash_ends() {
        let hashing = Hashing::new(1);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let job = |running: Arc<AtomicUsize>, most: Arc<AtomicUsize>| {
            move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(200));
                running.fetch_sub(1, Ordering::SeqCst);
            }
        };
        let dropped = tokio::time::timeout(
            Duration::from_millis(50),
            hashing.run(job(Arc::clone(&running), Arc::clone(&most))),
        )
        .await;
        assert!(dropped.is_err(), "the first request gave up while hashing");
        hashing
            .run(job(Arc::clone(&running), Arc::clone(&most)))
            .await
            .expect("job ran");
        assert_eq!(most.load(Ordering::SeqCst), 1);
    }
}
