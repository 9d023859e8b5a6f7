//! Throughput of the exec JSONL path: framing (`LineReader`) + parsing and normalizing
//! (`ExecParser`) of a stream built from the real captured fixtures. Goal: ≥ 500k events/s.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use codexmcp::engine::jsonl::{ExecParser, LineReader};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn corpus() -> (Vec<u8>, u64) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/exec/0.169.0");
    let mut one = Vec::new();
    for entry in std::fs::read_dir(dir).expect("fixtures") {
        one.extend(std::fs::read(entry.expect("entry").path()).expect("read"));
    }
    let lines_per_copy = one.iter().filter(|&&b| b == b'\n').count() as u64;
    let copies = 100_000 / lines_per_copy.max(1) + 1;
    (one.repeat(copies as usize), lines_per_copy * copies)
}

fn parse(c: &mut Criterion) {
    let (data, lines) = corpus();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group("exec_jsonl");
    group.throughput(Throughput::Elements(lines));
    group.sample_size(20);
    group.bench_function("frame+parse+normalize", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut reader = LineReader::new(&data[..]);
                let mut parser = ExecParser::default();
                let mut n = 0u64;
                while let Some(line) = reader.next_line().await.expect("read") {
                    std::hint::black_box(parser.parse_line(&line));
                    n += 1;
                }
                assert_eq!(n, lines);
            })
        })
    });
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
