//! The TUI event loop and the services behind its effects.
//!
//! [`run`] enters the terminal (raw mode, alternate screen, mouse, bracketed paste) behind a
//! guard whose `Drop` and a panic hook both restore it, then loops: wait for input / a message /
//! the frame deadline, update, perform effects, schedule a frame. [`Services`] performs the
//! effects: it starts turns (one task each, owning its Codex child and a session recorder),
//! interrupts them, and runs disk work on blocking threads.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableFocusChange, DisableMouseCapture, EnableBracketedPaste,
    EnableFocusChange, EnableMouseCapture, EventStream, KeyboardEnhancementFlags,
    PopKeyboardEnhancementFlags, PushKeyboardEnhancementFlags,
};
use ratatui::crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::crossterm::{cursor, execute};
use tokio::sync::mpsc;

use super::app::{App, Effect, Info};
use super::keymap::Keymap;
use super::services::Services;
use super::{FRAME, Msg, TICK, TuiOptions, background, render, replay, ui};
use crate::config::Settings;
use crate::engine::{self};

/// Restores the terminal when dropped (and from the panic hook).
struct TerminalGuard;

impl TerminalGuard {
    fn enter(theme: crate::config::ThemeChoice) -> std::io::Result<Self> {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
        let guard = TerminalGuard;
        terminal::enable_raw_mode()?;
        // Before anything is drawn, and before crossterm reads the terminal: the palette
        // follows its background.
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let kind = render::theme::pick(theme, no_color, background::query);
        render::theme::set(kind);
        // The grammars load off this task while the first frame is drawn.
        std::thread::spawn(render::highlight::warm);
        take_over()?;
        Ok(guard)
    }
}

/// Raw mode, the alternate screen, mouse, paste, focus events, unambiguous escapes.
fn take_over() -> std::io::Result<()> {
    terminal::enable_raw_mode()?;
    let mut out = std::io::stdout();
    execute!(
        out,
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste,
        EnableFocusChange
    )?;
    if terminal::supports_keyboard_enhancement().unwrap_or(false) {
        let _ = execute!(
            out,
            PushKeyboardEnhancementFlags(KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES)
        );
    }
    Ok(())
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

fn restore() {
    let mut out = std::io::stdout();
    if terminal::supports_keyboard_enhancement().unwrap_or(false) {
        let _ = execute!(out, PopKeyboardEnhancementFlags);
    }
    let _ = execute!(
        out,
        DisableBracketedPaste,
        DisableFocusChange,
        DisableMouseCapture,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = terminal::disable_raw_mode();
    let _ = out.flush();
}

/// Counters printed with `CODEXMCP_STATS=1` (benchmarks).
#[derive(Debug, Default)]
struct Stats {
    msgs: u64,
    frames: u64,
    first_frame: Option<std::time::Duration>,
    /// A key waiting for its frame, and how long keys waited (keystroke to screen).
    key_at: Option<Instant>,
    key_latency: Vec<std::time::Duration>,
    /// Codex events applied (live or replayed), and when the first and last arrived.
    events: u64,
    events_span: Option<(Instant, Instant)>,
}

impl Stats {
    fn report(&self, elapsed: std::time::Duration) -> String {
        let mut lat = self.key_latency.clone();
        lat.sort();
        let pct = |p: f64| {
            lat.get(((lat.len() as f64 - 1.0) * p).round() as usize)
                .map_or(0.0, |d| d.as_secs_f64() * 1e3)
        };
        format!(
            "stats: msgs={} frames={} elapsed_ms={:.1} first_frame_ms={:.1} fps={:.1} keys={} key_to_frame_ms_p50={:.2} p99={:.2} max={:.2} events={} events_per_s={:.0}",
            self.msgs,
            self.frames,
            elapsed.as_secs_f64() * 1e3,
            self.first_frame.unwrap_or_default().as_secs_f64() * 1e3,
            self.frames as f64 / elapsed.as_secs_f64().max(1e-9),
            lat.len(),
            pct(0.5),
            pct(0.99),
            pct(1.0),
            self.events,
            self.events_span.map_or(0.0, |(a, b)| self.events as f64
                / b.duration_since(a).as_secs_f64().max(1e-9)),
        )
    }
}

pub async fn run(settings: &Settings, keymap: Keymap, opts: TuiOptions) -> i32 {
    // In the TUI a person is there to answer approval requests.
    let mut settings = settings.clone();
    settings
        .approvals
        .get_or_insert(crate::engine::ApprovalMode::Ask);
    let settings = &settings;
    let cwd = crate::config::absolute(&settings.cwd);
    let _ = std::fs::create_dir_all(&cwd);
    let (tx, mut rx) = mpsc::channel::<Msg>(4096);
    let mut services = Services::new(settings, tx.clone()).await;
    let info = Info {
        // The effective backend: after a fallback, what really runs.
        backend: services.backend().unwrap_or(settings.backend).to_string(),
        model: match (&settings.model, opts.demo) {
            (_, true) => "demo model (scripted, no key)".into(),
            (Some(m), _) => m.clone(),
            (None, _) => "(default model)".into(),
        },
        effort: settings.reasoning_effort.clone(),
        sandbox: settings.sandbox.to_string(),
        cwd: cwd.clone(),
    };
    let mut app = App::new(keymap, info);
    let mut fx = vec![Effect::Rescan];
    if let Some(e) = &services.startup_error {
        app.fail(e);
    }
    if let Some(n) = services.notice() {
        app.say(super::app::Who::Notice, &n);
    }
    app.agent.available = services.agent_available;
    app.agent.model = settings.agent_model.clone();
    app.agent.prices = Some(crate::agent::cost::PriceTable::new(&settings.prices));
    if settings.agent.unwrap_or(app.agent.available) && app.agent.available {
        app.here(&mut fx, |s| s.set_agent_mode(true));
    }
    if settings.agent == Some(true) && !app.agent.available {
        app.fail(&format!(
            "--agent: {}",
            services.agent_error.clone().unwrap_or_default()
        ));
    }
    let guard = match TerminalGuard::enter(opts.theme) {
        Ok(g) => g,
        Err(e) => {
            restore();
            eprintln!("codexmcp: cannot set up the terminal: {e}");
            return 1;
        }
    };
    let mut terminal = match Terminal::new(CrosstermBackend::new(std::io::stdout())) {
        Ok(t) => t,
        Err(e) => {
            drop(guard);
            eprintln!("codexmcp: cannot draw on this terminal: {e}");
            return 1;
        }
    };
    if let Ok(size) = terminal.size() {
        app.size = (size.width, size.height);
    }
    services.load_skills(&cwd);
    if let Some((path, speed)) = &opts.replay {
        app.read_only = true;
        replay::spawn(path.clone(), *speed, tx.clone());
    }
    let mut watch = opts.batch.clone().map(|b| {
        app.read_only = true;
        let (w, intro) = super::batch_tabs::Watch::start(*b, &app, tx.clone());
        fx.extend(app.update(intro));
        w
    });
    match &opts.resume {
        Some(Some(id)) if !engine::looks_like_thread_id(id) => app.fail(&format!(
            "unknown thread id {id}: a thread id looks like 01a2112e-cb31-7fd3-b664-466522ce36c8"
        )),
        Some(Some(id)) => fx.push(Effect::LoadTranscript(id.clone())),
        Some(None) => fx.push(Effect::ListSessions),
        None => {}
    }
    if let Some(name) = &opts.worktree {
        fx.extend(app.submit(format!("/new --worktree {name}")));
    }
    if opts.restore {
        match super::restore::load() {
            Ok(specs) => fx.extend(app.restore(specs)),
            Err(e) => app.fail(&e),
        }
    }
    if let Some(p) = opts.prompt.clone().filter(|p| !p.trim().is_empty()) {
        fx.extend(app.submit(p));
    } else if opts.demo {
        // A newcomer need not think of something: Enter sends the suggestion, typing replaces it.
        app.here(&mut fx, |s| {
            s.set_prompt(crate::scripted_model::SUGGESTION, true)
        });
    }

    let mut stats = Stats::default();
    let mut events = EventStream::new();
    let mut ticker = tokio::time::interval(TICK);
    let mut next_frame: Option<tokio::time::Instant> = Some(tokio::time::Instant::now());
    let mut last_frame = tokio::time::Instant::now() - FRAME;
    // In raw mode Ctrl+C is a key; a signal (kill, a closed terminal) means: leave cleanly.
    let stop = crate::engine::procs::Signals::watch().token();
    loop {
        let mut edit = false;
        for e in fx.drain(..) {
            match e {
                Effect::Editor => edit = true,
                Effect::MouseCapture(on) => {
                    let mut out = std::io::stdout();
                    let _ = match on {
                        true => execute!(out, EnableMouseCapture),
                        false => execute!(out, DisableMouseCapture),
                    };
                }
                e => services.perform(e, &mut app),
            }
        }
        if edit {
            // The editor gets the terminal and the keys: stop reading them until it is done.
            drop(events);
            restore();
            let edited = super::editor::edit(&app.session().prompt().lines().join("\n")).await;
            let back = take_over();
            events = EventStream::new();
            let _ = terminal.clear();
            match (edited, back) {
                (_, Err(e)) => {
                    tracing::error!("cannot take the terminal back: {e}");
                    break;
                }
                (Ok(text), _) => app.here(&mut Vec::new(), |s| s.set_prompt(&text, false)),
                (Err(e), _) => app.fail(&e),
            }
            app.dirty = true;
        }
        if app.quit {
            break;
        }
        if app.dirty && next_frame.is_none() {
            next_frame = Some((last_frame + FRAME).max(tokio::time::Instant::now()));
        }
        let ticking = app.sessions().iter().any(|s| s.is_running());
        tokio::select! {
            // Input first, then drawing, then the flood: a key is never stuck behind events.
            biased;
            ev = events.next() => match ev {
                Some(Ok(ev)) => {
                    if matches!(ev, ratatui::crossterm::event::Event::Key(_)) {
                        stats.key_at.get_or_insert_with(Instant::now);
                        // Answer keys fast: half the frame interval, not a full one.
                        let soon = (last_frame + FRAME / 2).max(tokio::time::Instant::now());
                        next_frame = Some(next_frame.map_or(soon, |at| at.min(soon)));
                    }
                    // The app's clock is the arrival time: the approval guard compares it.
                    app.now = Instant::now();
                    fx = app.update(Msg::Term(ev));
                }
                _ => break, // the terminal went away
            },
            _ = sleep_until(next_frame), if next_frame.is_some() => {
                next_frame = None;
                app.now = Instant::now();
                if let Err(e) = terminal.draw(|f| ui::render(f, &app)) {
                    tracing::error!("draw failed: {e}");
                    break;
                }
                stats.frames += 1;
                if let Some(t) = stats.key_at.take() {
                    stats.key_latency.push(t.elapsed());
                }
                stats.first_frame.get_or_insert(crate::process_start().elapsed());
                last_frame = tokio::time::Instant::now();
                app.dirty = false;
            }
            _ = ticker.tick(), if ticking => { fx = app.update(Msg::Tick(Instant::now())); }
            Some(msg) = rx.recv() => {
                let mut batch = vec![msg];
                // Apply a burst in one go; the frame deadline still caps redraws.
                while batch.len() < 256 {
                    let Ok(m) = rx.try_recv() else { break };
                    batch.push(m);
                }
                app.now = Instant::now();
                for m in batch {
                    stats.msgs += 1;
                    if let Msg::Batch(report) = m {
                        if let Some(w) = &mut watch {
                            fx.extend(w.apply(*report, &mut app, |e, app| services.perform(e, app)));
                        }
                        continue;
                    }
                    let inner = match &m {
                        Msg::Tab { msg, .. } => msg.as_ref(),
                        m => m,
                    };
                    if matches!(inner, Msg::Replay { .. } | Msg::Codex { .. }) {
                        stats.events += 1;
                        let now = Instant::now();
                        stats.events_span = Some((stats.events_span.map_or(now, |(a, _)| a), now));
                    }
                    fx.extend(app.update(m));
                }
            }
            _ = stop.cancelled() => break,
        }
    }
    if !app.read_only && !opts.demo {
        super::restore::save(&app);
    }
    services.shutdown(rx).await;
    drop(terminal);
    drop(guard);
    let mut code = 0;
    if let Some(w) = watch {
        let (summary, exit) = w.finish().await;
        print!("{summary}");
        code = exit;
    }
    if std::env::var_os("CODEXMCP_STATS").is_some() {
        let report = stats.report(crate::process_start().elapsed());
        tracing::info!("{report}");
        match std::env::var("CODEXMCP_STATS")
            .ok()
            .filter(|v| v.contains('/'))
        {
            Some(path) => write_stats(Path::new(&path), &report),
            None => eprintln!("{report}"),
        }
    }
    // The demo's thread goes with its temporary home: nothing to resume later.
    let threads: Vec<String> = app
        .sessions()
        .iter()
        .filter_map(|s| s.thread_id())
        .filter(|_| !opts.demo)
        .map(|id| crate::text::one_line(id, 80))
        .collect();
    for id in &threads {
        println!("thread: {id}\nresume with: codexmcp --resume {id}");
    }
    code
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Writes the stats report to a new file only: never over an existing file and never through
/// a symlink, so the variable cannot be used to clobber anything (`~/.bashrc`, a config).
fn write_stats(path: &Path, report: &str) {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path);
    match file {
        Ok(mut f) => {
            let _ = writeln!(f, "{report}");
        }
        Err(e) => eprintln!(
            "CODEXMCP_STATS: not writing {}: {e} (it must name a new file)",
            crate::text::one_line(&path.display().to_string(), 200)
        ),
    }
}
