//! The worker pool behind the async variant of every rpc (docs/ffi-abi.md,
//! "Async calls"): `submit` queues a job and returns its request id at once;
//! worker threads run jobs and queue completions; `wait` blocks (on the
//! caller's thread — koffi's async worker, never the JavaScript thread) until
//! completions are available and hands them over in batches. No thread of this
//! pool ever calls into JavaScript.

use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::status;

/// What a job produces: a status and the result bytes (a response, or an
/// encoded `AgentError` for a non-zero status).
pub type JobOutput = (i32, Vec<u8>);

/// A queued call.
pub type Job = Box<dyn FnOnce() -> JobOutput + Send + 'static>;

/// One finished call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The id `submit` returned.
    pub id: u64,
    /// 0 or an `hms.ErrorCode` value.
    pub status: i32,
    /// Response, or encoded `AgentError` when `status` is non-zero.
    pub bytes: Vec<u8>,
}

#[derive(Default)]
struct State {
    jobs: VecDeque<(u64, Job)>,
    done: VecDeque<Completion>,
    stopping: bool,
    /// Jobs queued or running.
    in_flight: usize,
}

/// A fixed-size pool of worker threads, started on the first `submit`.
pub struct Pool {
    threads: usize,
    state: Mutex<State>,
    job_ready: Condvar,
    done_ready: Condvar,
    next_id: AtomicU64,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("threads", &self.threads)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Jobs run outside the lock and panics inside them are caught, so a
    // poisoned lock can only come from a panic in this module's own short
    // critical sections, which leave the state consistent.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Pool {
    /// A pool of `threads` workers (0: one per available CPU); no thread
    /// starts until the first job, so a library that never runs async calls
    /// never starts a thread.
    #[must_use]
    pub const fn new(threads: usize) -> Self {
        Self {
            threads,
            state: Mutex::new(State {
                jobs: VecDeque::new(),
                done: VecDeque::new(),
                stopping: false,
                in_flight: 0,
            }),
            job_ready: Condvar::new(),
            done_ready: Condvar::new(),
            next_id: AtomicU64::new(1),
            workers: Mutex::new(Vec::new()),
        }
    }

    /// Queues `job`; returns its request id (never 0).
    pub fn submit(&'static self, job: Job) -> u64 {
        self.start();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut st = lock(&self.state);
        st.in_flight += 1;
        st.jobs.push_back((id, job));
        drop(st);
        self.job_ready.notify_one();
        id
    }

    fn start(&'static self) {
        let mut workers = lock(&self.workers);
        if !workers.is_empty() {
            return;
        }
        let threads = if self.threads == 0 {
            std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
        } else {
            self.threads
        };
        for i in 0..threads {
            let spawned = std::thread::Builder::new()
                .name(format!("hms-agent-worker-{i}"))
                .spawn(move || self.work());
            if let Ok(handle) = spawned {
                workers.push(handle);
            }
        }
    }

    fn work(&self) {
        loop {
            let mut st = lock(&self.state);
            let (id, job) = loop {
                if let Some(next) = st.jobs.pop_front() {
                    break next;
                }
                if st.stopping {
                    return;
                }
                st = self
                    .job_ready
                    .wait(st)
                    .unwrap_or_else(PoisonError::into_inner);
            };
            drop(st);
            // The job guards itself; this is the safety net for one that does not.
            let (status, bytes) =
                panic::catch_unwind(AssertUnwindSafe(job)).unwrap_or((status::PANIC, Vec::new()));
            let mut st = lock(&self.state);
            st.in_flight -= 1;
            st.done.push_back(Completion { id, status, bytes });
            drop(st);
            self.done_ready.notify_all();
        }
    }

    /// Waits up to `timeout` for at least one completion and returns those
    /// available, oldest first, while their bytes total at most `max_bytes`
    /// (always at least one). Empty on timeout.
    pub fn wait(&self, max_bytes: usize, timeout: Duration) -> Vec<Completion> {
        let deadline = Instant::now() + timeout;
        let mut st = lock(&self.state);
        while st.done.is_empty() {
            let now = Instant::now();
            if now >= deadline {
                return Vec::new();
            }
            st = self
                .done_ready
                .wait_timeout(st, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        let mut out = Vec::new();
        let mut total = 0usize;
        while let Some(c) = st.done.front() {
            let size = BATCH_HEADER + padded(c.bytes.len());
            if !out.is_empty() && total + size > max_bytes {
                break;
            }
            total += size;
            if let Some(c) = st.done.pop_front() {
                out.push(c);
            }
        }
        out
    }

    /// Jobs queued or running, plus completions not yet collected.
    #[must_use]
    pub fn pending(&self) -> usize {
        let st = lock(&self.state);
        st.in_flight + st.done.len()
    }

    /// Stops the workers after the queued jobs and joins them.
    pub fn shutdown(&self) {
        lock(&self.state).stopping = true;
        self.job_ready.notify_all();
        let workers: Vec<_> = lock(&self.workers).drain(..).collect();
        for w in workers {
            let _ = w.join();
        }
    }
}

/// Bytes before each completion's payload in a batch: id (8), status (4), length (4). The layout
/// is the ABI's (generator/src/codegen/abi.ts `COMPLETION`; tests/abi-constants.test.ts holds these
/// constants and `encode_batch`'s field order to it).
pub const BATCH_HEADER: usize = 16;
/// Each completion's payload is zero-padded to a multiple of this.
pub const BATCH_ALIGN: usize = 8;

const fn padded(n: usize) -> usize {
    (n + BATCH_ALIGN - 1) & !(BATCH_ALIGN - 1)
}

/// A batch as `hms_wait_completions` returns it: per completion `id: u64`,
/// `status: i32`, `len: u32`, the bytes, zero padding to a multiple of 8 (all
/// little-endian).
#[must_use]
pub fn encode_batch(completions: &[Completion]) -> Vec<u8> {
    let size = completions
        .iter()
        .map(|c| BATCH_HEADER + padded(c.bytes.len()))
        .sum();
    let mut out = Vec::with_capacity(size);
    for c in completions {
        out.extend_from_slice(&c.id.to_le_bytes());
        out.extend_from_slice(&c.status.to_le_bytes());
        out.extend_from_slice(
            &u32::try_from(c.bytes.len())
                .unwrap_or(u32::MAX)
                .to_le_bytes(),
        );
        out.extend_from_slice(&c.bytes);
        out.resize(out.len() + padded(c.bytes.len()) - c.bytes.len(), 0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leak(pool: Pool) -> &'static Pool {
        Box::leak(Box::new(pool))
    }

    #[test]
    fn every_submitted_job_completes_once() {
        let pool = leak(Pool::new(3));
        let ids: Vec<u64> = (0..1000u32)
            .map(|i| pool.submit(Box::new(move || (0, i.to_le_bytes().to_vec()))))
            .collect();
        let mut seen = std::collections::HashMap::new();
        while seen.len() < ids.len() {
            for c in pool.wait(4096, Duration::from_secs(5)) {
                assert_eq!(c.status, 0);
                assert!(seen.insert(c.id, c.bytes).is_none(), "completed twice");
            }
        }
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(seen[id], (i as u32).to_le_bytes().to_vec());
        }
        assert_eq!(pool.pending(), 0);
        pool.shutdown();
    }

    #[test]
    fn a_panicking_job_completes_with_the_panic_status() {
        let pool = leak(Pool::new(1));
        let id = pool.submit(Box::new(|| panic!("job failed")));
        let done = pool.wait(1024, Duration::from_secs(5));
        assert_eq!(
            done,
            vec![Completion {
                id,
                status: status::PANIC,
                bytes: vec![]
            }]
        );
        pool.shutdown();
    }

    #[test]
    fn wait_times_out_empty_and_batches_respect_the_size_limit() {
        let pool = leak(Pool::new(2));
        assert!(pool.wait(1024, Duration::from_millis(20)).is_empty());
        for _ in 0..4 {
            pool.submit(Box::new(|| (0, vec![7; 100])));
        }
        let mut got = 0;
        while got < 4 {
            let batch = pool.wait(BATCH_HEADER + 104, Duration::from_secs(5));
            assert_eq!(
                batch.len(),
                1,
                "one 100-byte completion fits the limit, two do not"
            );
            got += 1;
        }
        pool.shutdown();
    }

    #[test]
    fn batches_are_encoded_little_endian_and_padded() {
        let b = encode_batch(&[
            Completion {
                id: 1,
                status: 0,
                bytes: vec![1, 2, 3],
            },
            Completion {
                id: 2,
                status: 103,
                bytes: vec![],
            },
        ]);
        assert_eq!(b.len(), 16 + 8 + 16);
        assert_eq!(&b[0..8], &1u64.to_le_bytes());
        assert_eq!(&b[8..12], &0i32.to_le_bytes());
        assert_eq!(&b[12..16], &3u32.to_le_bytes());
        assert_eq!(&b[16..24], &[1, 2, 3, 0, 0, 0, 0, 0]);
        assert_eq!(&b[24..32], &2u64.to_le_bytes());
        assert_eq!(&b[32..36], &103i32.to_le_bytes());
    }
}
