//! The game's sound on the default output device: cpal on its own `pacnet-audio` thread.
//!
//! The game worker hands over each tick's events and cues without waiting ([`AudioOut::push`]
//! never blocks: a full queue drops the tick). The device's callback owns a
//! [`Stream`](crate::game::sound::Stream), which paces ticks against the device clock and
//! renders them with the synthesiser. With no device (CI, a server, a machine without ALSA
//! devices) the game is silent: one `info` log line says so, nothing else changes.

use crate::game::Event;
use crate::game::sound::{Cues, Stream};
use crate::sys::{Kind, Output, OutputError};
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SizedSample};
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

/// Ticks that may wait for the device before new ones are dropped (half a second).
const QUEUE_TICKS: usize = 30;

/// Volume and mute, shared with the device callback.
#[derive(Debug)]
struct Controls {
    /// f32 bits of the volume, 0 to 1.
    volume: AtomicU32,
    muted: AtomicBool,
}

/// Whether sound reaches a device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AudioStatus {
    /// The sound thread is still opening the device.
    Opening,
    /// A device is open and playing.
    Playing,
    /// No device (or sound was not asked for): the game is silent.
    Silent,
}

impl AudioStatus {
    fn from_u8(v: u8) -> AudioStatus {
        match v {
            0 => AudioStatus::Opening,
            1 => AudioStatus::Playing,
            _ => AudioStatus::Silent,
        }
    }
}

/// One game tick for the sound thread.
type Tick = (Vec<Event>, Cues);

/// Sound output: a handle the game worker keeps; dropping it stops the sound thread.
pub struct AudioOut {
    tx: Option<SyncSender<Tick>>,
    controls: Arc<Controls>,
    stop: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
    /// An [`AudioStatus`] as a byte, set by the sound thread.
    status: Arc<AtomicU8>,
}

impl AudioOut {
    /// The thread's name.
    pub const THREAD_NAME: &'static str = "pacnet-audio";

    /// Opens the default output device on its own thread, at `volume` (0 to 1) and `muted`.
    /// Never fails: without a device, or if the thread cannot start, the handle is silent.
    pub fn start(volume: f32, muted: bool) -> AudioOut {
        let controls = Controls::new(volume, muted);
        let (tx, rx) = sync_channel::<Tick>(QUEUE_TICKS);
        let (stop_tx, stop_rx) = sync_channel::<()>(1);
        let status = Arc::new(AtomicU8::new(AudioStatus::Opening as u8));
        let (c, p) = (controls.clone(), status.clone());
        let thread = std::thread::Builder::new().name(Self::THREAD_NAME.into()).spawn(move || {
            // alsa-lib prints its probing failures (no card, no "default" device) to stderr;
            // this thread's handler collects them instead, for the one log line below.
            #[cfg(target_os = "linux")]
            let alsa_messages = alsa::Output::local_error_handler().ok();
            match open(rx, c) {
                Ok(stream) => {
                    p.store(AudioStatus::Playing as u8, Ordering::Relaxed);
                    // Keep the stream alive until the handle is dropped.
                    let _ = stop_rx.recv();
                    drop(stream);
                }
                Err(why) => {
                    p.store(AudioStatus::Silent as u8, Ordering::Relaxed);
                    #[cfg(target_os = "linux")]
                    if let Some(m) = alsa_messages {
                        tracing::debug!("alsa-lib said: {}", m.borrow());
                    }
                    tracing::info!("no sound: {why}; the game plays silently");
                }
            }
        });
        let thread = match thread {
            Ok(t) => Some(t),
            Err(e) => {
                status.store(AudioStatus::Silent as u8, Ordering::Relaxed);
                tracing::info!("no sound: could not start the audio thread ({e})");
                None
            }
        };
        AudioOut { tx: Some(tx), controls, stop: Some(stop_tx), thread, status }
    }

    /// A handle that never makes a sound (tests), but keeps `volume` and `muted` like one that
    /// does, so the settings round-trip the same way.
    pub fn silent(volume: f32, muted: bool) -> AudioOut {
        let status = Arc::new(AtomicU8::new(AudioStatus::Silent as u8));
        AudioOut { tx: None, controls: Controls::new(volume, muted), stop: None, thread: None, status }
    }

    /// Hands over one game tick; never blocks (a full queue drops it).
    pub fn push(&self, events: &[Event], cues: Cues) {
        if let Some(tx) = &self.tx {
            let _ = tx.try_send((events.to_vec(), cues));
        }
    }

    /// Sets the volume, 0 to 1 (clamped; not a number counts as 0).
    pub fn set_volume(&self, volume: f32) {
        self.controls.volume.store(clamp_volume(volume).to_bits(), Ordering::Relaxed);
    }

    /// The volume, 0 to 1.
    pub fn volume(&self) -> f32 {
        f32::from_bits(self.controls.volume.load(Ordering::Relaxed))
    }

    /// Muted.
    pub fn muted(&self) -> bool {
        self.controls.muted.load(Ordering::Relaxed)
    }

    /// Mutes or unmutes.
    pub fn set_muted(&self, muted: bool) {
        self.controls.muted.store(muted, Ordering::Relaxed);
    }

    /// Whether sound reaches a device (set by the sound thread once it has tried).
    pub fn status(&self) -> AudioStatus {
        AudioStatus::from_u8(self.status.load(Ordering::Relaxed))
    }
}

impl Drop for AudioOut {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(stop) = self.stop.take() {
            let _ = stop.try_send(());
        }
        if let Some(t) = self.thread.take()
            && t.join().is_err()
        {
            tracing::error!("the audio thread panicked");
        }
    }
}

impl Controls {
    fn new(volume: f32, muted: bool) -> Arc<Controls> {
        Arc::new(Controls { volume: AtomicU32::new(clamp_volume(volume).to_bits()), muted: AtomicBool::new(muted) })
    }
}

fn clamp_volume(volume: f32) -> f32 {
    if volume.is_finite() { volume.clamp(0.0, 1.0) } else { 0.0 }
}

/// Opens the default device and starts a stream fed from `rx`.
fn open(rx: Receiver<Tick>, controls: Arc<Controls>) -> Result<cpal::Stream, SoundError> {
    let host = cpal::default_host();
    let device = host.default_output_device().ok_or(SoundError::NoDevice)?;
    let supported =
        device.default_output_config().map_err(|e| SoundError::Device(format!("no output configuration ({e})")))?;
    let config = supported.config();
    let stream = match supported.sample_format() {
        cpal::SampleFormat::F32 => build::<f32>(&device, config, rx, controls),
        cpal::SampleFormat::I16 => build::<i16>(&device, config, rx, controls),
        cpal::SampleFormat::U16 => build::<u16>(&device, config, rx, controls),
        cpal::SampleFormat::I32 => build::<i32>(&device, config, rx, controls),
        other => return Err(SoundError::Device(format!("unsupported sample format {other}"))),
    }?;
    stream.play().map_err(|e| SoundError::Device(format!("the device would not start ({e})")))?;
    Ok(stream)
}

fn build<T: SizedSample + FromSample<f32>>(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    rx: Receiver<Tick>,
    controls: Arc<Controls>,
) -> Result<cpal::Stream, SoundError> {
    let channels = usize::from(config.channels).max(1);
    let mut stream = Stream::new(config.sample_rate);
    let mut mono: Vec<f32> = Vec::new();
    let data = move |out: &mut [T], _: &cpal::OutputCallbackInfo| {
        while let Ok((events, cues)) = rx.try_recv() {
            stream.push(events, cues);
        }
        let synth = stream.synth_mut();
        synth.set_volume(f32::from_bits(controls.volume.load(Ordering::Relaxed)));
        synth.set_muted(controls.muted.load(Ordering::Relaxed));
        let frames = out.len() / channels;
        mono.resize(frames, 0.0);
        stream.fill(&mut mono);
        for (frame, &s) in out.chunks_mut(channels).zip(mono.iter()) {
            for x in frame {
                *x = T::from_sample(s);
            }
        }
    };
    let error = |e: cpal::Error| tracing::warn!("sound device error: {e}");
    device
        .build_output_stream(config, data, error, None)
        .map_err(|e| SoundError::Device(format!("cannot open the device ({e})")))
}

/// Why the game plays without sound.
#[derive(Debug, thiserror::Error)]
pub enum SoundError {
    /// The system has no output device (no sound card, or no sound server).
    #[error("no default sound output device — the game plays silently (check the system's sound settings)")]
    NoDevice,
    /// The default device refused (`cpal`'s message, with the step that failed).
    #[error("the sound output device failed: {0} — the game plays silently")]
    Device(String),
}

/// A WAV file, as the output policy knows it (`RIFF….WAVE`): `play --wav` replaces only one.
pub const WAV: Kind = Kind { name: "WAV file", example: "game.wav", is_ours: is_wav };

fn is_wav(head: &[u8]) -> bool {
    head.get(..4) == Some(b"RIFF") && head.get(8..12) == Some(b"WAVE")
}

/// Why a WAV file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WavError {
    /// The path is refused, or creating, writing or renaming the file failed.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// The WAV encoder refused.
    #[error("{}: cannot encode the sound: {error}", .path.display())]
    Encode {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        error: hound::Error,
    },
}

/// Writes mono 16-bit PCM `samples` at `rate` to the checked output `out`, atomically (see
/// [`crate::sys::output`]), so an interrupted run never leaves half a file.
pub fn write_wav(out: &Output, rate: u32, samples: &[i16]) -> Result<(), WavError> {
    let path = out.path().to_owned();
    let enc = |error| match error {
        hound::Error::IoError(error) => WavError::Output(OutputError::Write { path: path.clone(), error }),
        error => WavError::Encode { path: path.clone(), error },
    };
    let spec =
        hound::WavSpec { channels: 1, sample_rate: rate, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    out.write(|file: &mut std::fs::File| {
        let mut w = hound::WavWriter::new(io::BufWriter::new(file), spec).map_err(enc)?;
        for &s in samples {
            w.write_sample(s).map_err(enc)?;
        }
        w.finalize().map_err(enc)
    })
}
