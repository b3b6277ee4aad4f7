//! A persistent team of threads for one forward pass at a time: the caller plus `threads − 1`
//! helpers that stay alive between layers and frames.
//!
//! Why not rayon: a forward pass is 30–70 short steps (a layer takes 5–500 µs). A
//! `rayon::join` per step wakes a sleeping pool thread through the kernel each time, which on
//! these 2-core machines cost more than the second core saved (2 threads ran no faster than
//! 1). Here the helpers spin between steps and only park after a pause (the end of a frame),
//! so a step costs one atomic handshake. Work is split into more chunks than threads and
//! claimed from a shared counter, so a helper the OS has descheduled delays the step by at
//! most the chunk it holds, not by its whole share.
//!
//! Soundness rests on one rule: [`Team::run`] does not leave (by returning *or* by unwinding)
//! while any thread may still call the caller's closure. A guard retires the step on the way
//! out, so no chunk can be claimed after it, and waits for every chunk already claimed to
//! finish. A chunk that panics on a helper is caught there, counted as finished, and its
//! panic is raised again on the caller's thread. The team is `!Sync`, so one thread at a time
//! drives it.

use std::any::Any;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;

/// How long a helper spins for the next step before it parks, in spin-loop hints (~0.1 ms:
/// longer than any gap between the steps of one frame, much shorter than a camera frame).
const SPIN: u32 = 1 << 14;

/// The low 32 bits of the state count claimed chunks; this value there means "retired".
const RETIRED: u64 = 0xffff_ffff;

/// The job of one step, shared with the helpers: a lifetime-erased `&(dyn Fn(usize) + Sync)`.
#[derive(Clone, Copy)]
struct Job {
    f: *const (dyn Fn(usize) + Sync),
    chunks: usize,
}

// SAFETY: the pointee is `Sync`, and `Team::run` keeps it alive until every chunk that could
// call it has finished, whether `run` returns or unwinds (see `Retire`).
unsafe impl Send for Job {}

struct Shared {
    /// The current job, written by the caller under the lock before `state` announces it.
    job: Mutex<Option<(u32, Job)>>,
    /// Generation (high 32 bits) and next unclaimed chunk (low 32 bits; [`RETIRED`] once the
    /// step is over).
    state: AtomicU64,
    /// Chunks of the current generation finished (normally or by a panic).
    done: AtomicUsize,
    /// The first panic a helper caught in the current generation, for the caller to raise.
    panic: Mutex<Option<Box<dyn Any + Send>>>,
    /// Helpers parked on `wake`.
    sleepers: AtomicUsize,
    wake: Condvar,
    stop: AtomicBool,
}

/// Counts a claimed chunk as finished when dropped, so a chunk that unwinds still counts.
struct Finished<'a>(&'a AtomicUsize);

impl Drop for Finished<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}

impl Shared {
    fn generation(&self) -> u32 {
        (self.state.load(Ordering::Acquire) >> 32) as u32
    }

    /// Claims and runs chunks of generation `generation` until none is left. On a helper
    /// (`catch`), a panicking chunk is caught and kept for the caller; on the caller it
    /// unwinds from here (after being counted).
    fn work(&self, generation: u32, job: Job, catch: bool) {
        loop {
            let s = self.state.load(Ordering::Acquire);
            let (g, next) = ((s >> 32) as u32, s & 0xffff_ffff);
            if g != generation || next >= job.chunks as u64 {
                return;
            }
            if self.state.compare_exchange_weak(s, s + 1, Ordering::AcqRel, Ordering::Acquire).is_ok() {
                let _finished = Finished(&self.done);
                // SAFETY: the claim succeeded for the current generation, so `Team::run` for
                // it has not returned or unwound past its `Retire` guard, which waits for this
                // chunk's `done`; the closure it borrowed is alive.
                let call = || unsafe { (*job.f)(next as usize) };
                if !catch {
                    call();
                } else if let Err(payload) = catch_unwind(AssertUnwindSafe(call)) {
                    let mut first = self.panic.lock().unwrap_or_else(PoisonError::into_inner);
                    first.get_or_insert(payload);
                }
            }
        }
    }
}

/// Ends a step when `Team::run` leaves, by return or by unwinding: no chunk can be claimed
/// after it, and every chunk claimed before it has finished when its `drop` returns.
struct Retire<'a> {
    sh: &'a Shared,
    generation: u32,
    chunks: usize,
}

impl Drop for Retire<'_> {
    fn drop(&mut self) {
        let sh = self.sh;
        let before = sh.state.swap((u64::from(self.generation) << 32) | RETIRED, Ordering::AcqRel);
        let claimed = (before & 0xffff_ffff).min(self.chunks as u64) as usize;
        let mut spins = 0u32;
        while sh.done.load(Ordering::Acquire) < claimed {
            spins = spins.wrapping_add(1);
            if spins.is_multiple_of(1 << 12) {
                // A helper holding a chunk was descheduled: let it run.
                std::thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
        }
    }
}

/// The caller's thread plus parked-or-spinning helper threads (see the module doc).
pub struct Team {
    shared: Arc<Shared>,
    helpers: Vec<JoinHandle<()>>,
    /// `!Sync`: two threads running steps on one team would share a generation, and one could
    /// return while the other's chunks still run its closure.
    _one_driver: PhantomData<std::cell::Cell<()>>,
}

impl std::fmt::Debug for Team {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Team").field("threads", &self.threads()).finish()
    }
}

impl Team {
    /// A team of `threads` (the caller counts as one; 0 is taken as 1). If a helper cannot be
    /// spawned the team is smaller (the work still gets done).
    pub fn new(threads: usize) -> Self {
        let shared = Arc::new(Shared {
            job: Mutex::new(None),
            state: AtomicU64::new(0),
            done: AtomicUsize::new(0),
            panic: Mutex::new(None),
            sleepers: AtomicUsize::new(0),
            wake: Condvar::new(),
            stop: AtomicBool::new(false),
        });
        let helpers = (1..threads.max(1))
            .filter_map(|i| {
                let s = Arc::clone(&shared);
                std::thread::Builder::new().name(format!("pacnet-backbone-{i}")).spawn(move || helper(&s)).ok()
            })
            .collect();
        Self { shared, helpers, _one_driver: PhantomData }
    }

    /// Threads working on a step, the caller included.
    pub fn threads(&self) -> usize {
        self.helpers.len() + 1
    }

    /// Calls `f(i)` for every `i < chunks`, spread over the team; returns when all are done.
    ///
    /// # Panics
    /// When `f` panics, on this thread or on a helper: the panic is raised here once no thread
    /// runs `f` any more (the team stays usable).
    pub fn run(&self, chunks: usize, f: &(dyn Fn(usize) + Sync)) {
        // More chunks than the state's 32-bit counter holds never happen in a forward pass;
        // they run here rather than wrap into the generation bits.
        if self.helpers.is_empty() || chunks <= 1 || chunks as u64 >= RETIRED {
            (0..chunks).for_each(f);
            return;
        }
        let sh = &*self.shared;
        let generation = sh.generation().wrapping_add(1);
        // SAFETY: (lifetime erasure) the pointer is only dereferenced by `Shared::work` after
        // claiming a chunk of this generation, and `retire` below does not let this function
        // return or unwind before every claimed chunk is done and no more can be claimed.
        let job = Job { f: unsafe { std::mem::transmute::<&(dyn Fn(usize) + Sync), &'static _>(f) }, chunks };
        if let Ok(mut slot) = sh.job.lock() {
            *slot = Some((generation, job));
        }
        sh.done.store(0, Ordering::Release);
        // A panic kept from a step whose caller unwound first belongs to no one now.
        sh.panic.lock().unwrap_or_else(PoisonError::into_inner).take();
        // SeqCst (with the load below and the helpers' side in `helper`): either this thread
        // sees a helper that is going to sleep, or that helper sees the new generation.
        sh.state.store(u64::from(generation) << 32, Ordering::SeqCst);
        // From here on chunks may be claimed, so from here on leaving must retire the step.
        let retire = Retire { sh, generation, chunks };
        if sh.sleepers.load(Ordering::SeqCst) > 0 {
            let _guard = sh.job.lock();
            sh.wake.notify_all();
        }
        sh.work(generation, job, false);
        drop(retire);
        let caught = sh.panic.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(payload) = caught {
            std::panic::resume_unwind(payload);
        }
    }
}

impl Drop for Team {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        {
            let _guard = self.shared.job.lock();
            self.shared.wake.notify_all();
        }
        for h in self.helpers.drain(..) {
            let _ = h.join();
        }
    }
}

fn helper(sh: &Shared) {
    let mut seen = 0u32;
    loop {
        let mut spins = 0;
        while sh.generation() == seen && !sh.stop.load(Ordering::Acquire) {
            if spins < SPIN {
                spins += 1;
                std::hint::spin_loop();
                continue;
            }
            // Park until the next step (or shutdown).
            let Ok(mut slot) = sh.job.lock() else { return };
            sh.sleepers.fetch_add(1, Ordering::SeqCst);
            while (sh.state.load(Ordering::SeqCst) >> 32) as u32 == seen && !sh.stop.load(Ordering::SeqCst) {
                slot = match sh.wake.wait(slot) {
                    Ok(s) => s,
                    Err(_) => return,
                };
            }
            sh.sleepers.fetch_sub(1, Ordering::SeqCst);
            spins = 0;
        }
        if sh.stop.load(Ordering::Acquire) {
            return;
        }
        let Some((generation, job)) = sh.job.lock().ok().and_then(|s| *s) else { return };
        seen = generation;
        sh.work(generation, job, true);
    }
}
