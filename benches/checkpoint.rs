//! Checkpoint and diff time for trees of 100, 10,000 and 100,000 small files: a first
//! checkpoint, one with nothing changed (the path every turn of an idle tree takes), and one
//! after 10 files changed, with the diff. Goal (issue #13): <= 100 ms for 10,000 unchanged.
//!
//!     cargo bench --bench checkpoint            (BENCH_SIZES=100,10000 to choose)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use codexmcp::session::checkpoint::Store;

fn tree(dir: &Path, files: usize) {
    let past = SystemTime::now() - Duration::from_secs(3600);
    for i in 0..files {
        let sub = dir.join(format!("d{}", i / 100));
        if i % 100 == 0 {
            std::fs::create_dir_all(&sub).unwrap();
        }
        let path = sub.join(format!("f{i}.txt"));
        std::fs::write(&path, format!("line one of {i}\nline two\n")).unwrap();
        let f = std::fs::File::options().write(true).open(&path).unwrap();
        f.set_modified(past).unwrap();
    }
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1000.0
}

fn main() {
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .unwrap_or_else(|_| "100,10000,100000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(base).unwrap();
    println!("checkpoint (median of 5; ms)      first  unchanged  10 changed + diff");
    for n in sizes {
        let work = tempfile::tempdir_in(base).unwrap();
        let state = tempfile::tempdir_in(base).unwrap();
        tree(work.path(), n);
        // An idle tree, as between turns: changed more than the racy window before the
        // checkpoint that recorded it (a file changed within it is read again, as git does).
        std::thread::sleep(Duration::from_millis(2100));
        let store = Store::at(state.path());
        let t = Instant::now();
        let first = store.snapshot(work.path(), None).unwrap();
        let first_ms = t.elapsed().as_secs_f64() * 1000.0;
        let unchanged: Vec<Duration> = (0..5)
            .map(|_| {
                let t = Instant::now();
                let again = store.snapshot(work.path(), Some(&first)).unwrap();
                let d = t.elapsed();
                assert_eq!(again.root, first.root, "nothing changed");
                d
            })
            .collect();
        let changed: Vec<Duration> = (0..5)
            .map(|round| {
                for i in 0..10 {
                    let p =
                        work.path()
                            .join(format!("d{}/f{}.txt", (i * n / 10) / 100, i * n / 10));
                    std::fs::write(&p, format!("changed in round {round}\n")).unwrap();
                }
                let t = Instant::now();
                let after = store.snapshot(work.path(), Some(&first)).unwrap();
                let changes = store.diff(&first, &after).unwrap().files;
                let d = t.elapsed();
                assert_eq!(changes.len(), 10.min(n), "{changes:?}");
                d
            })
            .collect();
        println!(
            "{n:>7} files                  {first_ms:>9.1} {:>10.1} {:>19.1}",
            median(unchanged),
            median(changed)
        );
    }
}
