//! `backbone::kernels::team::Team` when a chunk panics: `run` must not leave while another
//! thread still runs the closure (its borrows would dangle), must re-raise a helper's panic on
//! the caller instead of waiting forever, and the team must work afterwards.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use pacnet::backbone::kernels::team::Team;

/// Whether this chunk runs on one of the team's helpers (they are named `pacnet-backbone-N`).
fn on_helper() -> bool {
    std::thread::current().name().is_some_and(|n| n.starts_with("pacnet-backbone-"))
}

/// Waits (up to 10 s) until `n` is non-zero; returns whether it became so.
fn wait_for(n: &AtomicUsize) -> bool {
    let t = Instant::now();
    while n.load(Ordering::SeqCst) == 0 {
        if t.elapsed() > Duration::from_secs(10) {
            return false;
        }
        std::thread::yield_now();
    }
    true
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
}

/// Every chunk runs exactly once on a healthy team.
fn runs_every_chunk_once(team: &Team) {
    let counts: Vec<AtomicUsize> = (0..64).map(|_| AtomicUsize::new(0)).collect();
    team.run(64, &|i| {
        counts[i].fetch_add(1, Ordering::Relaxed);
    });
    assert!(counts.iter().all(|c| c.load(Ordering::Relaxed) == 1), "a chunk ran other than once after the panic");
}

#[test]
fn a_panic_on_the_caller_waits_for_the_helpers_chunks_before_unwinding() {
    let team = Team::new(2);
    let (helper_started, helper_finished) = (AtomicUsize::new(0), AtomicUsize::new(0));
    // Written by helper chunks after their pause: with a `run` that unwinds early, these
    // writes land after the caller's frame has gone (a debug allocator or Valgrind then
    // reports them; the counters below show it without one).
    let scratch = std::sync::Mutex::new(vec![0u64; 4096]);
    let result = catch_unwind(AssertUnwindSafe(|| {
        team.run(16, &|i| {
            if on_helper() {
                helper_started.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(20));
                if let Ok(mut s) = scratch.lock() {
                    s[i] += 1;
                }
                helper_finished.fetch_add(1, Ordering::SeqCst);
            } else {
                // Panic only once a helper holds a chunk, so the test cannot pass by luck of
                // the caller having claimed every chunk alone.
                assert!(wait_for(&helper_started), "the helper never started a chunk");
                panic!("caller chunk {i} fails");
            }
        })
    }));
    // Checked before anything else can give a late helper time to finish.
    let (started, finished) = (helper_started.load(Ordering::SeqCst), helper_finished.load(Ordering::SeqCst));
    let payload = result.expect_err("run returned although a chunk panicked");
    assert!(panic_text(&*payload).contains("caller chunk"), "unexpected panic: {}", panic_text(&*payload));
    assert!(started >= 1, "no helper chunk ran");
    assert_eq!(finished, started, "run unwound while {} helper chunk(s) still ran its closure", started - finished);
    let scratch = scratch.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    assert_eq!(scratch.iter().sum::<u64>(), finished as u64);
    runs_every_chunk_once(&team);
}

#[test]
fn a_panic_on_a_helper_is_raised_on_the_caller_instead_of_hanging() {
    let (tx, rx) = mpsc::channel();
    // On its own thread, so a `run` that never returns fails the test by timeout instead of
    // hanging the suite.
    std::thread::spawn(move || {
        let team = Team::new(2);
        let helper_started = AtomicUsize::new(0);
        let caller_chunks = AtomicUsize::new(0);
        let result = catch_unwind(AssertUnwindSafe(|| {
            team.run(16, &|i| {
                if on_helper() {
                    helper_started.fetch_add(1, Ordering::SeqCst);
                    panic!("helper chunk {i} fails");
                }
                caller_chunks.fetch_add(1, Ordering::SeqCst);
                // Keep the caller busy until a helper has taken (and failed) a chunk.
                assert!(wait_for(&helper_started), "the helper never started a chunk");
            })
        }));
        let text = result.err().map(|p| panic_text(&*p));
        let after = catch_unwind(AssertUnwindSafe(|| runs_every_chunk_once(&team))).is_ok();
        let _ = tx.send((text, after));
    });
    let (text, after) = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("Team::run did not return within 60 s after a helper's chunk panicked");
    let text = text.expect("run returned normally although a helper's chunk panicked");
    assert!(text.contains("helper chunk"), "the caller raised {text:?}, not the helper's panic");
    assert!(after, "the team did not run every chunk once after a helper's panic");
}
