//! The worker pool behind the async variant of every rpc (docs/ffi-abi.md,
//! "Async calls"): `submit` queues a job and returns its request id at once;
//! worker threads run jobs and deliver each completion to the completion queue
//! it was submitted on; `wait` blocks (on the caller's thread — koffi's async
//! worker, never the JavaScript thread) until that queue has completions and
//! hands them over in batches. No thread of this pool ever calls into
//! JavaScript.
//!
//! The workers are shared by everything that loaded the library, but
//! completions are not: every caller (each `AgentLibrary` instance in
//! TypeScript, on whatever thread) opens its own queue, so one caller's wait
//! never collects another's completions (ABI 2 had one queue per library, and
//! two instances of one library lost each other's completions).

use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::handles::{HandleError, HandleTable};
use crate::status;

/// A queued call. It answers through its [`Completer`], at once or later from any thread (a
/// long poll parks it and returns, freeing the worker).
pub type Job = Box<dyn FnOnce(Completer) + Send + 'static>;

/// The right, and the duty, to complete one submitted call exactly once. Dropped without
/// [`Completer::complete`] (a job that panicked, or lost its answer), it completes the call with
/// status `Panic` (while unwinding) or `Internal` and no bytes, so no call is ever left pending.
#[derive(Debug)]
pub struct Completer {
    id: u64,
    queue: Option<Arc<Queue>>,
}

impl Completer {
    /// The request id of the call.
    #[must_use]
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Completes the call with `status` and its bytes (a response, or an encoded `AgentError`).
    pub fn complete(mut self, status: i32, bytes: Vec<u8>) {
        if let Some(q) = self.queue.take() {
            q.push(Completion {
                id: self.id,
                status,
                bytes,
            });
        }
    }
}

impl Drop for Completer {
    fn drop(&mut self) {
        if let Some(q) = self.queue.take() {
            let status = if std::thread::panicking() {
                status::PANIC
            } else {
                status::INTERNAL
            };
            q.push(Completion {
                id: self.id,
                status,
                bytes: Vec::new(),
            });
        }
    }
}

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

/// Why a queue operation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueError {
    /// The queue handle is not one `open_queue` returned, or it was closed.
    UnknownQueue,
    /// The queue was closed while the caller waited on it.
    Closed,
    /// Too many open queues ([`crate::handles::MAX_ENTRIES`]).
    Full,
}

impl std::fmt::Display for QueueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::UnknownQueue => "no open completion queue with this handle",
            Self::Closed => "the completion queue was closed during the wait",
            Self::Full => "too many open completion queues",
        })
    }
}

/// One caller's completions: what its wait collects.
#[derive(Debug, Default)]
struct Queue {
    state: Mutex<QueueState>,
    ready: Condvar,
}

#[derive(Debug, Default)]
struct QueueState {
    done: VecDeque<Completion>,
    /// Jobs submitted on this queue and not yet completed.
    in_flight: usize,
    closed: bool,
}

impl Queue {
    fn push(&self, c: Completion) {
        let mut st = lock(&self.state);
        st.in_flight -= 1;
        // A closed queue's caller is gone: its completions are dropped here, so
        // nothing accumulates for it.
        if !st.closed {
            st.done.push_back(c);
        }
        drop(st);
        self.ready.notify_all();
    }
}

struct State {
    jobs: VecDeque<(u64, Arc<Queue>, Job)>,
    stopping: bool,
}

/// A fixed-size pool of worker threads, started on the first `submit`, and
/// the completion queues of its callers.
pub struct Pool {
    threads: usize,
    state: Mutex<State>,
    job_ready: Condvar,
    next_id: AtomicU64,
    workers: Mutex<Vec<JoinHandle<()>>>,
    queues: HandleTable<Queue>,
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
                stopping: false,
            }),
            job_ready: Condvar::new(),
            next_id: AtomicU64::new(1),
            workers: Mutex::new(Vec::new()),
            queues: HandleTable::new(),
        }
    }

    /// Opens a completion queue; its handle is never 0.
    pub fn open_queue(&self) -> Result<u64, QueueError> {
        self.queues
            .insert(Queue::default())
            .map_err(|HandleError::Full| QueueError::Full)
    }

    /// Closes a queue: a wait on it returns [`QueueError::Closed`] at once,
    /// completions already collected for it are dropped, and those of its jobs
    /// still running are dropped when they finish.
    pub fn close_queue(&self, queue: u64) -> Result<(), QueueError> {
        let q = self.queues.remove(queue).ok_or(QueueError::UnknownQueue)?;
        let mut st = lock(&q.state);
        st.closed = true;
        st.done.clear();
        drop(st);
        q.ready.notify_all();
        Ok(())
    }

    /// Queues `job`, whose completion goes to `queue`; returns its request id
    /// (never 0). The job completes the call through the [`Completer`] it is given.
    pub fn submit(&'static self, queue: u64, job: Job) -> Result<u64, QueueError> {
        let q = self.queues.get(queue).ok_or(QueueError::UnknownQueue)?;
        self.start();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        lock(&q.state).in_flight += 1;
        lock(&self.state).jobs.push_back((id, q, job));
        self.job_ready.notify_one();
        Ok(id)
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
            let (id, queue, job) = loop {
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
            // The job guards itself; this is the safety net for one that does not (its completer,
            // dropped while unwinding, completes the call with `Panic`).
            let completer = Completer {
                id,
                queue: Some(queue),
            };
            let _ = panic::catch_unwind(AssertUnwindSafe(move || job(completer)));
        }
    }

    /// Waits up to `timeout` for at least one completion on `queue` and
    /// returns those available, oldest first, while their bytes total at most
    /// `max_bytes` (always at least one). Empty on timeout.
    pub fn wait(
        &self,
        queue: u64,
        max_bytes: usize,
        timeout: Duration,
    ) -> Result<Vec<Completion>, QueueError> {
        let q = self.queues.get(queue).ok_or(QueueError::UnknownQueue)?;
        let deadline = Instant::now() + timeout;
        let mut st = lock(&q.state);
        while st.done.is_empty() {
            if st.closed {
                return Err(QueueError::Closed);
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(Vec::new());
            }
            st = q
                .ready
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
        Ok(out)
    }

    /// Jobs of `queue` queued or running, plus its completions not yet
    /// collected; `None` for an unknown queue.
    #[must_use]
    pub fn pending(&self, queue: u64) -> Option<usize> {
        let q = self.queues.get(queue)?;
        let st = lock(&q.state);
        Some(st.in_flight + st.done.len())
    }

    /// Number of open queues.
    #[must_use]
    pub fn open_queues(&self) -> usize {
        self.queues.len()
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

    /// Collects `n` completions of `queue`, failing on a duplicate.
    fn collect(pool: &Pool, queue: u64, n: usize) -> std::collections::HashMap<u64, Vec<u8>> {
        let mut seen = std::collections::HashMap::new();
        while seen.len() < n {
            let batch = pool.wait(queue, 4096, Duration::from_secs(5)).unwrap();
            assert!(!batch.is_empty(), "timed out with {} of {n}", seen.len());
            for c in batch {
                assert_eq!(c.status, 0);
                assert!(seen.insert(c.id, c.bytes).is_none(), "completed twice");
            }
        }
        seen
    }

    #[test]
    fn every_submitted_job_completes_once() {
        let pool = leak(Pool::new(3));
        let q = pool.open_queue().unwrap();
        let ids: Vec<u64> = (0..1000u32)
            .map(|i| {
                pool.submit(
                    q,
                    Box::new(move |c: Completer| c.complete(0, i.to_le_bytes().to_vec())),
                )
                .unwrap()
            })
            .collect();
        let seen = collect(pool, q, ids.len());
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(seen[id], (i as u32).to_le_bytes().to_vec());
        }
        assert_eq!(pool.pending(q), Some(0));
        pool.shutdown();
    }

    #[test]
    fn completions_reach_only_the_queue_they_were_submitted_on() {
        let pool = leak(Pool::new(2));
        let queues: Vec<u64> = (0..4).map(|_| pool.open_queue().unwrap()).collect();
        let waiters: Vec<_> = queues
            .iter()
            .map(|&q| {
                std::thread::spawn(move || {
                    let ids: Vec<u64> = (0..2000)
                        .map(|_| {
                            pool.submit(
                                q,
                                Box::new(move |c: Completer| {
                                    c.complete(0, q.to_le_bytes().to_vec())
                                }),
                            )
                            .unwrap()
                        })
                        .collect();
                    let seen = collect(pool, q, ids.len());
                    for id in &ids {
                        assert_eq!(
                            seen[id],
                            q.to_le_bytes().to_vec(),
                            "another queue's completion"
                        );
                    }
                })
            })
            .collect();
        for w in waiters {
            w.join().unwrap();
        }
        pool.shutdown();
    }

    #[test]
    fn closing_a_queue_wakes_its_waiter_and_drops_its_completions() {
        let pool = leak(Pool::new(1));
        let q = pool.open_queue().unwrap();
        let waiter = std::thread::spawn(move || pool.wait(q, 1024, Duration::from_secs(30)));
        // The waiter may or may not have started waiting: either way it ends with Closed (or, had
        // it not reached the queue yet, UnknownQueue), long before its 30 s timeout.
        std::thread::sleep(Duration::from_millis(20));
        pool.close_queue(q).unwrap();
        let r = waiter.join().unwrap();
        assert!(
            matches!(r, Err(QueueError::Closed | QueueError::UnknownQueue)),
            "{r:?}"
        );
        assert_eq!(
            pool.submit(q, Box::new(|c: Completer| c.complete(0, vec![]))),
            Err(QueueError::UnknownQueue)
        );
        assert_eq!(
            pool.wait(q, 1024, Duration::ZERO),
            Err(QueueError::UnknownQueue)
        );
        assert_eq!(pool.close_queue(q), Err(QueueError::UnknownQueue));
        // A job still running when its queue closes completes into nothing.
        let q2 = pool.open_queue().unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        pool.submit(
            q2,
            Box::new(move |c: Completer| {
                let _ = rx.recv();
                c.complete(0, vec![1]);
            }),
        )
        .unwrap();
        pool.close_queue(q2).unwrap();
        tx.send(()).unwrap();
        assert_eq!(pool.open_queues(), 0);
        pool.shutdown();
    }

    #[test]
    fn a_parked_call_completes_later_from_another_thread_without_holding_a_worker() {
        // One worker, 1,000 parked calls: each job hands its completer over and returns, so the
        // worker stays free for the call submitted after them.
        let pool = leak(Pool::new(1));
        let q = pool.open_queue().unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<Completer>();
        let parked: Vec<u64> = (0..1000)
            .map(|_| {
                let tx = tx.clone();
                pool.submit(q, Box::new(move |c: Completer| tx.send(c).unwrap()))
                    .unwrap()
            })
            .collect();
        let quick = pool
            .submit(q, Box::new(|c: Completer| c.complete(0, vec![42])))
            .unwrap();
        let first = pool.wait(q, 1 << 20, Duration::from_secs(5)).unwrap();
        assert_eq!(first.iter().map(|c| c.id).collect::<Vec<_>>(), vec![quick]);
        assert_eq!(pool.pending(q), Some(1000), "parked calls stay pending");
        let answer = std::thread::spawn(move || {
            for c in rx.iter().take(1000) {
                let id = c.id();
                c.complete(0, id.to_le_bytes().to_vec());
            }
        });
        let seen = collect(pool, q, 1000);
        answer.join().unwrap();
        for id in parked {
            assert_eq!(seen[&id], id.to_le_bytes().to_vec());
        }
        pool.shutdown();
    }

    #[test]
    fn a_completer_dropped_unanswered_completes_with_internal() {
        let pool = leak(Pool::new(1));
        let q = pool.open_queue().unwrap();
        let id = pool.submit(q, Box::new(drop)).unwrap();
        let done = pool.wait(q, 1024, Duration::from_secs(5)).unwrap();
        assert_eq!(done.len(), 1);
        assert_eq!((done[0].id, done[0].status), (id, status::INTERNAL));
        pool.shutdown();
    }

    #[test]
    fn a_panicking_job_completes_with_the_panic_status() {
        let pool = leak(Pool::new(1));
        let q = pool.open_queue().unwrap();
        let id = pool
            .submit(q, Box::new(|_: Completer| panic!("job failed")))
            .unwrap();
        let done = pool.wait(q, 1024, Duration::from_secs(5)).unwrap();
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
        let q = pool.open_queue().unwrap();
        assert!(pool
            .wait(q, 1024, Duration::from_millis(20))
            .unwrap()
            .is_empty());
        for _ in 0..4 {
            pool.submit(q, Box::new(|c: Completer| c.complete(0, vec![7; 100])))
                .unwrap();
        }
        let mut got = 0;
        while got < 4 {
            let batch = pool
                .wait(q, BATCH_HEADER + 104, Duration::from_secs(5))
                .unwrap();
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
