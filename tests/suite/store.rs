//! The session store: atomic records, a log that survives a torn line, newest-first listing,
//! and the recorder that fills both from a live event stream.

use codexmcp::engine::{CodexEvent, Usage};
use codexmcp::session::{LogEntry, Recorder, SessionRecord, Store, title_of};

fn record(id: &str, updated: u64) -> SessionRecord {
    SessionRecord {
        id: id.into(),
        title: format!("title {id}"),
        cwd: "/w".into(),
        backend: "exec".into(),
        created_ms: 1,
        updated_ms: updated,
        usage: Usage::default(),
        turns: 0,
        policy: None,
        rewind: Default::default(),
    }
}

#[test]
fn records_round_trip_and_list_newest_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::at(dir.path());
    store.save(&record("aaa", 10)).expect("save");
    store.save(&record("bbb", 30)).expect("save");
    store.save(&record("ccc", 20)).expect("save");
    assert_eq!(store.load("bbb").expect("load"), Some(record("bbb", 30)));
    assert_eq!(store.load("zzz").expect("load"), None);
    let ids: Vec<String> = store
        .list()
        .expect("list")
        .sessions
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, ["bbb", "ccc", "aaa"]);
    // A broken record is reported, the rest still listed.
    std::fs::write(dir.path().join("aaa/meta.json"), "{ torn").expect("write");
    let listing = store.list().expect("list");
    assert_eq!(listing.sessions.len(), 2);
    assert_eq!(listing.broken.len(), 1);
    assert!(store.load("../etc").is_err(), "ids cannot escape the store");
}

#[test]
fn a_torn_log_line_is_skipped_not_fatal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::at(dir.path());
    let entries = [
        LogEntry::Prompt {
            ts_ms: 1,
            text: "hello".into(),
        },
        LogEntry::Event {
            ts_ms: 2,
            event: CodexEvent::TurnStarted,
        },
    ];
    store.append("t1", &entries).expect("append");
    // A crash mid-write leaves half a line; later appends go on after it.
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.path().join("t1/log.jsonl"))
        .expect("open");
    f.write_all(b"{\"entry\":\"event\",\"ts_ms\":3,\"ev")
        .expect("torn");
    drop(f);
    store
        .append(
            "t1",
            &[LogEntry::Prompt {
                ts_ms: 4,
                text: "after".into(),
            }],
        )
        .expect("append");
    let read = store.read_log("t1").expect("read");
    assert_eq!(read.skipped, 1);
    assert_eq!(
        read.entries.len(),
        2,
        "the torn line swallowed nothing but itself? {:?}",
        read.entries
    );
    assert_eq!(read.entries[0], entries[0]);
}

/// Reading a log back on resume is bounded: a huge line is skipped, not loaded, and only the
/// newest entries are kept.
#[test]
fn reading_a_log_back_is_bounded() {
    use codexmcp::session::store::MAX_LOG_ENTRIES;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::at(dir.path());
    let prompt = |i: usize| LogEntry::Prompt {
        ts_ms: i as u64,
        text: format!("p{i}"),
    };
    let many: Vec<LogEntry> = (0..MAX_LOG_ENTRIES + 5).map(prompt).collect();
    store.append("t2", &many).expect("append");
    // A line longer than any Codex line may be: 9 MiB of one JSON string.
    let huge = format!(
        "{{\"entry\":\"prompt\",\"ts_ms\":0,\"text\":\"{}\"}}\n",
        "x".repeat(9 << 20)
    );
    use std::io::Write;
    std::fs::OpenOptions::new()
        .append(true)
        .open(dir.path().join("t2/log.jsonl"))
        .and_then(|mut f| f.write_all(huge.as_bytes()))
        .expect("huge line");
    store.append("t2", &[prompt(99_999)]).expect("append");
    let read = store.read_log("t2").expect("read");
    assert_eq!(read.skipped, 1, "the huge line");
    assert_eq!(read.entries.len(), MAX_LOG_ENTRIES);
    assert_eq!(read.dropped, 6);
    assert_eq!(read.entries.last(), Some(&prompt(99_999)));
    assert_eq!(read.entries[0], prompt(6));
}

#[test]
fn the_recorder_buffers_until_the_thread_id_and_tracks_usage() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::at(dir.path());
    let mut rec = Recorder::new(
        store.clone(),
        None,
        "Write a CSV converter\nwith details",
        "/w/output",
        "exec",
    );
    rec.observe(&CodexEvent::ThreadStarted {
        thread_id: "th-1".into(),
    });
    rec.observe(&CodexEvent::TurnStarted);
    let total = Usage {
        input_tokens: 30,
        output_tokens: 7,
        ..Usage::default()
    };
    rec.observe(&CodexEvent::TurnCompleted {
        usage: total,
        total,
    });
    let saved = rec.finish().expect("record");
    assert_eq!(saved.title, "Write a CSV converter");
    assert_eq!((saved.usage.input_tokens, saved.turns), (30, 1));
    assert_eq!(store.load("th-1").expect("load"), Some(saved));
    let log = store.read_log("th-1").expect("log");
    assert!(
        matches!(&log.entries[0], LogEntry::Prompt { text, .. } if text.starts_with("Write a CSV"))
    );
    assert_eq!(log.entries.len(), 4);
}

#[test]
fn titles_are_one_clean_line() {
    assert_eq!(
        title_of("\n\n  hello\tworld \nmore"),
        "hello\tworld".replace('\t', "")
    );
    assert_eq!(title_of("x".repeat(100).as_str()).chars().count(), 81);
    assert_eq!(title_of("   "), "(empty prompt)");
}

#[test]
fn the_recorder_merges_delta_runs_and_flushes_on_its_deadline() {
    use codexmcp::engine::DeltaStream;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::at(dir.path());
    let mut rec = Recorder::new(store.clone(), None, "stream it", "/w", "app-server");
    rec.observe(&CodexEvent::ThreadStarted {
        thread_id: "th-2".into(),
    });
    let delta = |item: &str, text: &str| CodexEvent::ItemDelta {
        item_id: item.into(),
        stream: DeltaStream::AgentMessage,
        delta: text.into(),
    };
    for piece in ["Hel", "lo, ", "world"] {
        rec.observe(&delta("m1", piece));
    }
    rec.observe(&delta("m2", "next item"));
    assert!(
        rec.flush_due().is_some(),
        "buffered entries have a deadline"
    );
    rec.flush();
    assert!(rec.flush_due().is_none());
    let log = store.read_log("th-2").expect("log");
    let deltas: Vec<_> = log
        .entries
        .iter()
        .filter_map(|e| match e {
            LogEntry::Event {
                event: CodexEvent::ItemDelta { item_id, delta, .. },
                ..
            } => Some((item_id.as_str(), delta.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(
        deltas,
        [("m1", "Hello, world"), ("m2", "next item")],
        "one entry per run of deltas, readable before the turn ends"
    );
    rec.finish();
    assert_eq!(store.read_log("th-2").expect("log").entries.len(), 4);
}

/// Codex's own list joins codexmcp's records in the resume picker — but not the copies undo
/// made of a recorded thread, nor a thread listed twice.
#[test]
fn codex_threads_join_the_list_but_not_the_copies_undo_made() {
    use codexmcp::engine::app_lists::CodexThread;
    let t = |id: &str, at: u64| CodexThread {
        id: id.into(),
        preview: format!("preview of {id}"),
        cwd: "/w".into(),
        created_ms: at,
        updated_ms: at,
    };
    let mut undone = record("01a2112e-cb31-7fd3-b664-466522ce3600", 10);
    undone.rewind.made = vec!["01a2112e-cb31-7fd3-b664-466522ce3601".into()];
    let mut sessions = vec![undone];
    codexmcp::session::add_codex_threads(
        &mut sessions,
        vec![
            t("01a2112e-cb31-7fd3-b664-466522ce3601", 30),
            t("01a2112e-cb31-7fd3-b664-466522ce3600", 5),
            t("01a2112e-cb31-7fd3-b664-466522ce3602", 20),
        ],
    );
    let ids: Vec<&str> = sessions.iter().map(|s| &s.id[32..]).collect();
    assert_eq!(ids, ["3602", "3600"], "newest first, the copy hidden");
    assert_eq!(
        sessions[0].title,
        "preview of 01a2112e-cb31-7fd3-b664-466522ce3602"
    );
}
