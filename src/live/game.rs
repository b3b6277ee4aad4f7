//! The `pacnet-game` thread: runs Pac-Man at 60 ticks a second, whatever the window does.
//!
//! Input each tick: the arrow keys if one is held (they always win), otherwise the newest
//! steering decision of the feature worker if it is fresh. After the ticks of each 60 Hz
//! slice it publishes a copy of the game for the renderer and forwards the game's events.
//! The game only runs while the play panel is shown; the loop ends when the UI drops its
//! command sender.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, SyncSender, TryRecvError, channel, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::camera::Clock;
use crate::game::sound::Cues;
use crate::game::{Dir, Event, Game, Input, Options, Pacer};

use super::audio::{AudioOut, AudioStatus};
use super::meters::Ema;
use super::sink::GameSteer;
use super::{Repaint, Slot};

/// A steering decision older than this is ignored (the camera or the worker stalled).
pub const STALE_AFTER: Duration = Duration::from_millis(500);
const TICK: Duration = Duration::from_nanos(1_000_000_000 / 60);

/// Orders for the game thread.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum GameCmd {
    /// The arrow key held now, if any.
    Keys(Option<Dir>),
    /// Game speed in percent (25–100).
    Speed(u32),
    /// Whether the game runs at all (the play panel is visible).
    Running(bool),
    /// Hold the game still (shows PAUSED).
    Paused(bool),
    /// Start a new game.
    Restart,
    /// Whether the model's predictions steer.
    UseModel(bool),
    /// Skip the cut-scene being shown.
    Skip,
    /// Silence the sound, or bring it back.
    Mute(bool),
    /// Sound volume, 0 to 1.
    Volume(f32),
}

/// Who steered on the last tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SteeredBy {
    /// An arrow key.
    Keyboard,
    /// The model's prediction.
    Model,
}

/// What the renderer draws: a copy of the game and how it was steered.
#[derive(Clone, Debug)]
pub struct GameSnapshot {
    /// The game after the last tick.
    pub game: Game,
    /// The input source of the last tick that asked for a direction.
    pub steered_by: Option<SteeredBy>,
    /// The direction asked for on the last tick.
    pub asked: Option<Dir>,
    /// From picking up a camera frame to the first game tick steered by it, milliseconds
    /// (smoothed).
    pub latency_ms: Option<f32>,
    /// Held still by the player.
    pub paused: bool,
    /// The sound is muted.
    pub muted: bool,
    /// The sound volume, 0 to 1.
    pub volume: f32,
    /// Whether the sound reaches a device.
    pub audio: AudioStatus,
}

/// How the game starts.
#[derive(Clone, Debug)]
pub struct GameSetup {
    /// Seed of the frightened ghosts' choices.
    pub seed: u64,
    /// Speed in percent.
    pub speed: u32,
    /// High score carried over from earlier sessions.
    pub high_score: u32,
    /// Rules options.
    pub options: Options,
    /// The clock ticks are paced by (the runtime's).
    pub clock: Arc<dyn Clock>,
    /// Play sound on the default output device (off in tests).
    pub sound: bool,
    /// Sound volume, 0 to 1.
    pub volume: f32,
    /// Start muted.
    pub muted: bool,
}

/// The running game thread.
pub struct GameWorker {
    tx: Option<Sender<GameCmd>>,
    events: Receiver<Event>,
    snapshot: Slot<GameSnapshot>,
    thread: Option<JoinHandle<()>>,
}

impl GameWorker {
    /// The thread's name.
    pub const THREAD_NAME: &'static str = "pacnet-game";

    /// Starts the thread; it waits (not ticking) until told `Running(true)`.
    ///
    /// # Errors
    /// A bad option, or the operating system refusing a thread.
    pub fn start(setup: GameSetup, steer: Slot<GameSteer>, repaint: Repaint) -> Result<Self, super::LiveError> {
        let game = Game::new(setup.seed, setup.options)?.with_high_score(setup.high_score);
        let audio = if setup.sound {
            AudioOut::start(setup.volume, setup.muted)
        } else {
            AudioOut::silent(setup.volume, setup.muted)
        };
        let snapshot = Slot::default();
        snapshot.put(GameSnapshot {
            game: game.clone(),
            steered_by: None,
            asked: None,
            latency_ms: None,
            paused: false,
            muted: audio.muted(),
            volume: audio.volume(),
            audio: audio.status(),
        });
        let (tx, rx) = channel();
        // Bounded: a UI that stops draining (window hidden) must not make the game hoard events.
        let (etx, events) = sync_channel(4096);
        let mut state = State {
            game,
            audio,
            skip: false,
            pacer: Pacer::new(setup.speed),
            keys: None,
            running: false,
            paused: false,
            use_model: true,
            restart: false,
            latency: Ema::default(),
            last_signal: None,
            clock: setup.clock,
            steer,
            snapshot: snapshot.clone(),
            events: etx,
            repaint,
        };
        let thread = std::thread::Builder::new()
            .name(Self::THREAD_NAME.into())
            .spawn(move || state.run(&rx))
            .map_err(|source| super::LiveError::Thread { name: Self::THREAD_NAME, source })?;
        Ok(Self { tx: Some(tx), events, snapshot, thread: Some(thread) })
    }

    /// Sends an order (ignored once the thread has ended).
    pub fn send(&self, cmd: GameCmd) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(cmd);
        }
    }

    /// The next game event, if one is waiting.
    pub fn try_recv(&self) -> Option<Event> {
        self.events.try_recv().ok()
    }

    /// The newest snapshot.
    pub fn snapshot(&self) -> Option<std::sync::Arc<GameSnapshot>> {
        self.snapshot.get()
    }
}

impl Drop for GameWorker {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take()
            && t.join().is_err()
        {
            tracing::error!("the game thread panicked");
        }
    }
}

struct State {
    game: Game,
    /// The sound thread's handle; each tick's events go there without waiting.
    audio: AudioOut,
    skip: bool,
    pacer: Pacer,
    keys: Option<Dir>,
    running: bool,
    paused: bool,
    use_model: bool,
    restart: bool,
    latency: Ema,
    /// The steering signal already counted in the latency.
    last_signal: Option<Duration>,
    clock: Arc<dyn Clock>,
    steer: Slot<GameSteer>,
    snapshot: Slot<GameSnapshot>,
    events: SyncSender<Event>,
    repaint: Repaint,
}

impl State {
    fn run(&mut self, rx: &Receiver<GameCmd>) {
        let mut last = self.clock.now();
        let mut next = last + TICK;
        loop {
            if !self.running {
                // Real time here, not the clock: an idle game must notice orders and the end
                // of the channel whatever the clock does.
                match rx.recv_timeout(Duration::from_millis(100)) {
                    Ok(cmd) => self.apply(cmd),
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
                }
                last = self.clock.now();
                next = last + TICK;
                continue;
            }
            loop {
                match rx.try_recv() {
                    Ok(cmd) => self.apply(cmd),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => return,
                }
            }
            let now = self.clock.now();
            let ticks = self.pacer.ticks_for(now.saturating_sub(last));
            last = now;
            self.tick(ticks, now);
            next += TICK;
            let after = self.clock.now();
            if next > after {
                self.clock.sleep_until(next);
            } else {
                next = after; // fell behind (a busy machine): don't try to catch up in a burst
            }
        }
    }

    fn apply(&mut self, cmd: GameCmd) {
        match cmd {
            GameCmd::Keys(k) => self.keys = k,
            GameCmd::Speed(s) => self.pacer.set_speed(s),
            GameCmd::Running(r) => self.running = r,
            GameCmd::Paused(p) => {
                self.paused = p;
                self.publish(None, None); // show PAUSED even while not ticking
            }
            GameCmd::Restart => {
                self.restart = true;
                // A restart should also be seen when the game is not running.
                if !self.running {
                    self.tick(1, self.clock.now());
                }
            }
            GameCmd::UseModel(u) => self.use_model = u,
            GameCmd::Skip => self.skip = true,
            GameCmd::Mute(m) => {
                self.audio.set_muted(m);
                if !self.running {
                    self.publish(None, None); // show the muted sign even while not ticking
                }
            }
            GameCmd::Volume(v) => {
                self.audio.set_volume(v);
                if !self.running {
                    self.publish(None, None);
                }
            }
        }
    }

    fn tick(&mut self, ticks: u32, now: Duration) {
        let signal = self.steer.get().filter(|s| now.saturating_sub(s.picked) <= STALE_AFTER);
        let (dir, by) = match (self.keys, signal.as_deref()) {
            (Some(k), _) => (Some(k), Some(SteeredBy::Keyboard)),
            (None, Some(s)) if self.use_model => (s.dir, s.dir.map(|_| SteeredBy::Model)),
            _ => (None, None),
        };
        if ticks == 0 {
            return;
        }
        if let Some(s) = signal.as_deref()
            && self.use_model
            && self.last_signal != Some(s.picked)
        {
            self.last_signal = Some(s.picked);
            self.latency.push(now.saturating_sub(s.picked).as_secs_f32() * 1000.0);
        }
        for _ in 0..ticks {
            let restart = std::mem::take(&mut self.restart);
            let input = Input { dir, pause: self.paused, restart, skip: std::mem::take(&mut self.skip) };
            let events = self.game.step(input);
            self.audio.push(&events, Cues::of(&self.game));
            for e in events {
                let _ = self.events.try_send(e);
            }
        }
        self.publish(by, dir);
    }

    fn publish(&mut self, by: Option<SteeredBy>, asked: Option<Dir>) {
        self.snapshot.put(GameSnapshot {
            game: self.game.clone(),
            steered_by: by,
            asked,
            latency_ms: self.latency.get(),
            paused: self.paused,
            muted: self.audio.muted(),
            volume: self.audio.volume(),
            audio: self.audio.status(),
        });
        (self.repaint)();
    }
}
