//! Password hashing off the async runtime, in a fixed number of reused Argon2 memories.
//!
//! Each Argon2 hash works in 19 MiB. Allocated and freed per hash, those blocks stayed
//! in glibc's per-thread arenas and an instance grew from 12 MiB to hundreds of MiB
//! under logins (see `shared::domain::password::HashMemory`). Here memory is bounded by
//! construction:
//!
//! - a semaphore of `limit` permits bounds how many hashes run at once;
//! - a job takes a permit, then an idle [`HashMemory`], allocating one only when none
//!   is idle; it runs on a blocking thread, puts the memory back and only then lets
//!   the permit go. A memory is only ever out of the idle list under a permit, so at
//!   most `limit` memories ever exist, each allocated on first use and kept;
//! - the permit travels into the blocking job, so a request that is dropped while its
//!   hash runs (a client gone, a timeout) cannot let another hash start beside it.
//!
//! An idle instance has allocated nothing; a busy one holds `limit` × 19 MiB.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use shared::domain::password::HashMemory;
use tokio::sync::Semaphore;

/// A job that did not run to its end: the pool was closed, or the job panicked.
#[derive(Debug, thiserror::Error)]
#[error("the password hashing job did not complete: {0}")]
pub struct HashingFailed(String);

/// Runs password hashing, at most `limit` at once, each in a reused [`HashMemory`].
#[derive(Debug, Clone)]
pub struct Hashing {
    permits: Arc<Semaphore>,
    idle: Arc<Mutex<Vec<HashMemory>>>,
    allocated: Arc<AtomicUsize>,
}

impl Hashing {
    /// A pool for `limit` concurrent hashes; no memory is allocated yet.
    pub fn new(limit: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(limit)),
            idle: Arc::new(Mutex::new(Vec::with_capacity(limit))),
            allocated: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// How many memories have been allocated so far (never more than the limit).
    pub fn allocated(&self) -> usize {
        self.allocated.load(Ordering::Relaxed)
    }

    /// Runs `work` with a memory on a blocking thread once a permit is free.
    pub async fn run<T, F>(&self, work: F) -> Result<T, HashingFailed>
    where
        F: FnOnce(&mut HashMemory) -> T + Send + 'static,
        T: Send + 'static,
    {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|e| HashingFailed(e.to_string()))?;
        let pool = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut memory = pool.take();
            let result = work(&mut memory);
            pool.put_back(memory);
            drop(permit);
            result
        })
        .await
        .map_err(|e| HashingFailed(e.to_string()))
    }

    /// An idle memory, or a new one when none is idle (only ever under a permit).
    fn take(&self) -> HashMemory {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        idle.unwrap_or_else(|| {
            self.allocated.fetch_add(1, Ordering::Relaxed);
            HashMemory::new()
        })
    }

    /// Returns a memory for the next job.
    fn put_back(&self, memory: HashMemory) {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(memory);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    use super::*;

    #[test]
    fn an_idle_pool_has_allocated_nothing() {
        assert_eq!(Hashing::new(2).allocated(), 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_parallel_jobs_share_at_most_the_limit_of_memories() {
        let hashing = Hashing::new(2);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let jobs: Vec<_> = (0..12)
            .map(|_| {
                let (hashing, running, most) =
                    (hashing.clone(), Arc::clone(&running), Arc::clone(&most));
                tokio::spawn(async move {
                    hashing
                        .run(move |_memory| {
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
        assert_eq!(hashing.allocated(), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dropped_request_keeps_its_permit_until_its_hash_ends() {
        let hashing = Hashing::new(1);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let job = |running: Arc<AtomicUsize>, most: Arc<AtomicUsize>| {
            move |_memory: &mut HashMemory| {
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
        assert_eq!(hashing.allocated(), 1);
    }
}
