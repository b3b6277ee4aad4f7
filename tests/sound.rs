//! The synthesised arcade sound (issue 15), heard offline: every check renders samples and
//! measures them (energy, zero crossings, a Goertzel filter), no device involved.

use super::game::{TestResult, autopilot, practice};
use pacnet::game::sound::{
    Background, Cues, Effect, MAX_LAG_TICKS, Recording, SIREN_DOTS, STARVED_TICKS, Stream, Synth, note_hz,
    render_inputs, render_replay, siren_step,
};
use pacnet::game::{Event, Fruit, Ghost, Input, Options, Recorder, Tile};

const RATE: u32 = 22_050;

/// Renders `ticks` ticks of `synth` with the same `cues` and no events.
fn hold(synth: &mut Synth, cues: &Cues, ticks: u32) -> Vec<i16> {
    let mut out = Vec::new();
    for _ in 0..ticks {
        synth.update(&[], cues);
        synth.render_tick(&mut out);
    }
    out
}

/// Renders one tick with `events`, then `more` quiet ticks.
fn play(synth: &mut Synth, events: &[Event], more: u32) -> Vec<i16> {
    let quiet = Cues::default();
    let mut out = Vec::new();
    synth.update(events, &quiet);
    synth.render_tick(&mut out);
    out.extend(hold(synth, &quiet, more));
    out
}

fn rms(x: &[i16]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    (x.iter().map(|&s| f64::from(s) * f64::from(s)).sum::<f64>() / x.len() as f64).sqrt()
}

/// Mean frequency from upward zero crossings.
fn crossing_hz(x: &[i16]) -> f64 {
    let ups = x.windows(2).filter(|w| w[0] < 0 && w[1] >= 0).count();
    ups as f64 * f64::from(RATE) / x.len() as f64
}

/// Power of `x` at `hz` (Goertzel), normalised by length.
fn power_at(x: &[i16], hz: f64) -> f64 {
    let w = std::f64::consts::TAU * hz / f64::from(RATE);
    let (mut s1, mut s2) = (0.0, 0.0);
    for &v in x {
        let s = f64::from(v) + 2.0 * w.cos() * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    (s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2) / (x.len() as f64).powi(2)
}

fn tick_len() -> usize {
    (RATE / 60) as usize
}

#[test]
fn a_second_of_ticks_is_a_second_of_samples() {
    for rate in [22_050, 44_100, 48_000, 11_025] {
        let mut s = Synth::new(rate);
        let n: usize = (0..60).map(|_| s.samples_per_tick()).sum();
        assert_eq!(n, rate as usize, "{rate} Hz");
    }
}

#[test]
fn mute_gives_silence_and_volume_scales() -> TestResult {
    let inputs = vec![Input::NONE; 300];
    let loud = render_inputs(1, Options::default(), inputs.clone(), RATE)?;
    assert!(rms(&loud) > 1000.0, "the start tune is heard: rms {}", rms(&loud));

    let mut game = pacnet::game::Game::new(1, Options::default())?;
    let mut muted = Recording::new(RATE);
    muted.synth_mut().set_muted(true);
    let mut half = Recording::new(RATE);
    half.synth_mut().set_volume(0.4);
    for &i in &inputs {
        let events = game.step(i);
        muted.push(&events, &game);
        half.push(&events, &game);
    }
    assert_eq!(muted.samples().len(), loud.len());
    assert!(muted.samples().iter().all(|&s| s == 0), "muted is all zeros");
    let ratio = rms(half.samples()) / rms(&loud);
    assert!((ratio - 0.5).abs() < 0.01, "volume 0.4 of the default 0.8: ratio {ratio}");
    Ok(())
}

#[test]
fn start_tune_begins_on_the_first_tick_of_a_game() -> TestResult {
    let samples = render_inputs(2, Options::default(), vec![Input::NONE; 260], RATE)?;
    // The first note: C5 over C3, for the 6 sounding ticks of its eighth.
    let first = &samples[..6 * tick_len()];
    let c5 = power_at(first, f64::from(note_hz(72)));
    let c3 = power_at(first, f64::from(note_hz(48)));
    let off = power_at(first, 700.0);
    assert!(c5 > 50.0 * off && c3 > 50.0 * off, "C5 {c5:.0}, C3 {c3:.0}, 700 Hz {off:.0}");
    // Next eighth: E5.
    let second = &samples[8 * tick_len()..14 * tick_len()];
    assert!(power_at(second, f64::from(note_hz(76))) > 20.0 * power_at(second, f64::from(note_hz(72))));
    // The tune (256 ticks) is over a tick before play starts (READY lasts 258).
    assert_eq!(rms(&samples[256 * tick_len() + 8..257 * tick_len()]), 0.0);
    assert!(rms(&samples[257 * tick_len()..]) > 500.0, "then the siren");
    Ok(())
}

#[test]
fn siren_pitch_steps_up_as_dots_run_out() {
    assert_eq!(SIREN_DOTS, [116, 180, 212, 228]);
    let hz = |dots: u32| {
        let mut s = Synth::new(RATE);
        let cues = Cues { playing: true, dots_eaten: dots, ..Cues::default() };
        crossing_hz(&hold(&mut s, &cues, 280))
    };
    let measured: Vec<(u32, f64)> =
        [0, 115, 116, 179, 180, 211, 212, 227, 228, 243].iter().map(|&d| (d, hz(d))).collect();
    // Same step, same sound; each threshold raises the pitch by about 12 %.
    for pair in measured.chunks(2) {
        let ((d0, a), (d1, b)) = (pair[0], pair[1]);
        if siren_step(d0) == siren_step(d1) {
            assert!((a - b).abs() < 0.02 * a, "{d0} and {d1} dots: {a:.1} vs {b:.1} Hz");
        }
    }
    let steps: Vec<f64> = [0, 116, 180, 212, 228].iter().map(|&d| hz(d)).collect();
    for w in steps.windows(2) {
        assert!(w[1] > w[0] * 1.08 && w[1] < w[0] * 1.2, "{steps:?}");
    }
    // The lowest siren sweeps between 330 and 478 Hz, so its mean lies in between.
    assert!(steps[0] > 340.0 && steps[0] < 470.0, "{steps:?}");
}

#[test]
fn frightened_and_eyes_sounds_replace_the_siren() {
    let mut s = Synth::new(RATE);
    let siren = hold(&mut s, &Cues { playing: true, ..Cues::default() }, 60);
    assert_eq!(s.background(), Background::Siren(0));
    let blue = hold(&mut s, &Cues { playing: true, frightened: true, ..Cues::default() }, 60);
    assert_eq!(s.background(), Background::Frightened);
    let eyes = hold(&mut s, &Cues { playing: true, frightened: true, eyes: true, ..Cues::default() }, 60);
    assert_eq!(s.background(), Background::Eyes);
    let (siren_hz, blue_hz, eyes_hz) = (crossing_hz(&siren), crossing_hz(&blue), crossing_hz(&eyes));
    assert!(blue_hz < siren_hz && eyes_hz > 2.0 * siren_hz, "{siren_hz:.0} {blue_hz:.0} {eyes_hz:.0}");
    // The frightened sound repeats every 10 ticks: the pitch of tick k equals that of k + 10.
    let t = tick_len();
    let hz = |k: usize| crossing_hz(&blue[k * t..(k + 2) * t]);
    assert!((hz(11) - hz(21)).abs() < 0.2 * hz(11), "{} {}", hz(11), hz(21));
    assert!(hz(17) > 1.5 * hz(11), "rising within the cycle: {} {}", hz(11), hz(17));
    // Nothing plays in the background while not playing, nor while paused.
    assert_eq!(rms(&hold(&mut s, &Cues::default(), 10)[t..]), 0.0);
    assert_eq!(rms(&hold(&mut s, &Cues { playing: true, paused: true, ..Cues::default() }, 10)), 0.0);
}

#[test]
fn waka_halves_alternate_falling_and_rising_with_each_dot() {
    let mut s = Synth::new(RATE);
    let dot = Event::DotEaten { tile: Tile::new(1, 1) };
    let t = tick_len();
    for expect_fall in [true, false, true] {
        let x = play(&mut s, &[dot], 8);
        assert!(rms(&x[6 * t..7 * t]) > 300.0, "seven ticks long");
        assert_eq!(rms(&x[8 * t..]), 0.0, "and then over");
        let (early, late) = (crossing_hz(&x[..2 * t]), crossing_hz(&x[5 * t..7 * t]));
        if expect_fall {
            assert!(early > 1.5 * late, "wa falls: {early:.0} -> {late:.0}");
        } else {
            assert!(late > 1.5 * early, "ka rises: {early:.0} -> {late:.0}");
        }
    }
}

#[test]
fn each_event_starts_its_sound() {
    let t = tick_len();
    // Ghost eaten: rising from about 140 to 1700 Hz over 36 ticks.
    let mut s = Synth::new(RATE);
    let x = play(&mut s, &[Event::GhostEaten { ghost: Ghost::Inky, points: 200 }], 40);
    assert!(rms(&x[..t]) > 500.0);
    assert!(crossing_hz(&x[28 * t..34 * t]) > 4.0 * crossing_hz(&x[..6 * t]));
    assert_eq!(rms(&x[37 * t..]), 0.0);
    // Fruit: 30 ticks of a warble between 300 and 1150 Hz.
    let x = play(&mut s, &[Event::FruitEaten { fruit: Fruit::Cherries, points: 100 }], 32);
    let hz = crossing_hz(&x[..30 * t]);
    assert!(hz > 300.0 && hz < 1150.0, "{hz}");
    assert_eq!(rms(&x[31 * t..]), 0.0);
    // Extra life: six dings at 1976 Hz.
    let x = play(&mut s, &[Event::ExtraLife], 100);
    let ding = &x[..10 * t];
    assert!(power_at(ding, 1976.0) > 100.0 * power_at(ding, 1000.0));
    let loud_ticks = (0..100).filter(|k| rms(&x[k * t..(k + 1) * t]) > 300.0).count();
    assert!((60..=80).contains(&loud_ticks), "{loud_ticks}");
    // Intermission: the tune runs until the scene ends.
    let act = pacnet::game::Cutscene::One;
    let x = play(&mut s, &[Event::IntermissionStarted { act }], 400);
    assert!(rms(&x[300 * t..]) > 500.0, "still playing at tick 300");
    let x = play(&mut s, &[Event::IntermissionEnded { act, skipped: true }], 5);
    assert_eq!(rms(&x[t..]), 0.0, "stops with the scene");
}

#[test]
fn death_sound_starts_with_the_death_animation_and_falls() {
    let mut s = Synth::new(RATE);
    let t = tick_len();
    let mut x = Vec::new();
    for tick in 0..200 {
        let events = if tick == 0 { vec![Event::PacmanDied] } else { Vec::new() };
        s.update(&events, &Cues { dying: Some(tick), ..Cues::default() });
        s.render_tick(&mut x);
    }
    let start = pacnet::game::DYING_ANIMATION_TICK as usize;
    assert_eq!(rms(&x[..start * t]), 0.0, "silent during the freeze");
    assert!(rms(&x[start * t..(start + 1) * t]) > 500.0, "starts with the animation");
    let early = crossing_hz(&x[start * t..(start + 10) * t]);
    let late = crossing_hz(&x[(start + 55) * t..(start + 65) * t]);
    assert!(early > 2.5 * late, "falls: {early:.0} -> {late:.0} Hz");
    assert_eq!(rms(&x[(start + 85) * t..]), 0.0, "over when the animation is");
}

#[test]
fn sounds_follow_the_events_of_a_real_game() -> TestResult {
    // A practice game played by the autopilot, recorded with its sound.
    let mut game = practice(3)?;
    let mut rec = Recording::new(RATE);
    let mut synth_log = Vec::new();
    let log = autopilot(&mut game, 3000, |g, ev| {
        rec.push(ev, g);
        synth_log.push((ev.to_vec(), rec.samples().len()));
        false
    });
    let mut checked = (0, 0, 0);
    let mut start = 0;
    for (events, end) in &synth_log {
        let tick = &rec.samples()[start..*end];
        start = *end;
        if events.iter().any(|e| matches!(e, Event::DotEaten { .. })) {
            assert!(rms(tick) > 300.0);
            checked.0 += 1;
        }
        if events.iter().any(|e| matches!(e, Event::GhostEaten { .. })) {
            checked.1 += 1;
        }
        if events.iter().any(|e| matches!(e, Event::EnergizerEaten { .. })) {
            checked.2 += 1;
        }
    }
    assert!(checked.0 > 100 && checked.2 >= 1, "{checked:?} over {} events", log.len());
    // The synthesiser's own view agrees: replaying the same game shows the waka on voice 3.
    let mut game = practice(3)?;
    let mut synth = Synth::new(RATE);
    let mut wakas = 0;
    autopilot(&mut game, 3000, |g, ev| {
        synth.update(ev, &Cues::of(g));
        if ev.iter().any(|e| matches!(e, Event::DotEaten { .. })) {
            wakas += usize::from(matches!(synth.effect(), Some(Effect::Waka(_))));
        }
        false
    });
    assert!(wakas > 100, "{wakas}");
    Ok(())
}

#[test]
fn replays_render_the_same_samples_every_time() -> TestResult {
    let mut rec = Recorder::new(5, Options::default())?;
    for i in super::game::scripted_inputs(1200, 11) {
        rec.step(i);
    }
    let a = render_replay(rec.log(), 1200, RATE)?;
    let b = render_replay(rec.log(), 1200, RATE)?;
    assert_eq!(a.len(), 20 * RATE as usize, "20 s of ticks, 20 s of samples");
    assert_eq!(a, b);
    assert!(rms(&a) > 500.0);
    Ok(())
}

#[test]
fn stream_follows_the_device_clock_and_falls_silent_when_starved() {
    let mut stream = Stream::new(RATE);
    let cues = Cues { playing: true, ..Cues::default() };
    for _ in 0..4 {
        stream.push(Vec::new(), cues);
    }
    let mut out = vec![0.0f32; 3 * tick_len()];
    stream.fill(&mut out);
    assert!(out.iter().any(|&s| s.abs() > 0.01), "the siren plays");
    assert_eq!(stream.queued(), 1, "three ticks of samples used three ticks");
    // Nothing more arrives: a few ticks on, the stream is quiet (filter tail aside).
    let mut out = vec![0.0f32; (STARVED_TICKS as usize + 4) * tick_len()];
    stream.fill(&mut out);
    let tail = &out[out.len() - tick_len()..];
    assert!(tail.iter().all(|&s| s.abs() < 1e-3), "quiet when starved");
    // A burst of ticks is cut to the allowed lag, not played late.
    for _ in 0..50 {
        stream.push(Vec::new(), cues);
    }
    assert_eq!(stream.queued(), MAX_LAG_TICKS);
}

const DOCS_WAV: &str = "docs/sound/level1-first-20s.wav";
const DOCS_REPLAY: &str = "docs/sound/level1-first-20s.replay.json";

/// (Re)writes the replay in docs/sound (the nearest-dot autopilot on level 1, seed 1, 20 s)
/// and its sound: `cargo test --release --test tests -- --ignored regenerate_docs_sound`.
#[test]
#[ignore = "writes docs/sound; run by hand after changing the sound"]
fn regenerate_docs_sound() -> TestResult {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut rec = Recorder::new(1, Options::default())?;
    for _ in 0..20 * 60 {
        let dir = super::game::nearest_dot_dir(rec.game());
        rec.step(Input { dir, ..Input::NONE });
    }
    std::fs::create_dir_all(root.join("docs/sound"))?;
    std::fs::write(root.join(DOCS_REPLAY), serde_json::to_string(rec.log())? + "\n")?;
    let samples = render_replay(rec.log(), 20 * 60, RATE)?;
    let out = pacnet::sys::Output::check(&root.join(DOCS_WAV), pacnet::live::audio::WAV, &[], false)?;
    pacnet::live::audio::write_wav(&out, RATE, &samples)?;
    Ok(())
}

#[test]
fn docs_sound_is_the_replay_rendered_as_20_s_of_mono_16_bit_pcm() -> TestResult {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let reader = hound::WavReader::open(root.join(DOCS_WAV))?;
    let spec = reader.spec();
    assert_eq!((spec.channels, spec.sample_rate, spec.bits_per_sample), (1, RATE, 16));
    assert_eq!(reader.duration(), 20 * RATE);
    let log: pacnet::game::ReplayLog = serde_json::from_str(&std::fs::read_to_string(root.join(DOCS_REPLAY))?)?;
    assert_eq!(log.len(), 20 * 60);
    // Same rules, same synthesiser: the file matches a fresh rendering of its replay (allowing
    // for last-bit differences of the maths library between machines).
    let fresh = render_replay(&log, 20 * 60, RATE)?;
    let file: Vec<i16> = reader.into_samples::<i16>().collect::<Result<_, _>>()?;
    let close = file.iter().zip(&fresh).filter(|(a, b)| (i32::from(**a) - i32::from(**b)).abs() <= 64).count();
    assert!(close as f64 > 0.99 * file.len() as f64, "{close} of {} samples match", file.len());
    Ok(())
}

#[test]
fn wav_files_are_written_whole_or_not_at_all() -> TestResult {
    let dir = super::util::tempdir();
    let path = dir.path().join("out.wav");
    let wav = |p: &std::path::Path| pacnet::sys::Output::check(p, pacnet::live::audio::WAV, &[], false);
    pacnet::live::audio::write_wav(&wav(&path)?, RATE, &[0, 1000, -1000, i16::MAX])?;
    let samples: Vec<i16> = hound::WavReader::open(&path)?.into_samples::<i16>().collect::<Result<_, _>>()?;
    assert_eq!(samples, vec![0, 1000, -1000, i16::MAX]);
    // A WAV file of its own is replaced; a path whose folder is missing is refused by name.
    pacnet::live::audio::write_wav(&wav(&path)?, RATE, &[7])?;
    assert_eq!(hound::WavReader::open(&path)?.len(), 1);
    let err = wav(&dir.path().join("no/such/dir/out.wav")).err();
    let text = err.map(|e| e.to_string()).unwrap_or_default();
    assert!(text.contains("no/such/dir/out.wav"), "{text}");
    assert_eq!(std::fs::read_dir(dir.path())?.count(), 1, "no temporary file left behind");
    Ok(())
}

#[test]
fn sound_output_never_blocks_and_is_silent_without_a_device() {
    use pacnet::live::audio::{AudioOut, AudioStatus};
    let out = AudioOut::start(0.5, false);
    // The game hands over far more ticks than the queue holds: none of them waits.
    for _ in 0..1000 {
        out.push(&[], Cues::default());
    }
    out.set_volume(3.0);
    assert_eq!(out.volume(), 1.0);
    out.set_volume(f32::NAN);
    assert_eq!(out.volume(), 0.0);
    out.set_muted(true);
    assert!(out.muted());
    // The sound thread tries the device at its own pace (real time, not a timed assertion).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while out.status() == AudioStatus::Opening {
        assert!(std::time::Instant::now() < deadline, "the sound thread never tried the device");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    if !std::path::Path::new("/dev/snd").exists() {
        assert_eq!(out.status(), AudioStatus::Silent, "no sound card here");
    }
    drop(out); // joins the sound thread
    let quiet = AudioOut::silent(0.3, true);
    assert_eq!((quiet.status(), quiet.volume(), quiet.muted()), (AudioStatus::Silent, 0.3, true));
}
