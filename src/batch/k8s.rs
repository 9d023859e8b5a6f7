//! The same tasks on a cluster: `batch --emit k8s` writes a Kubernetes Indexed Job (one pod
//! per task, `completions` = the number of tasks, `parallelism` at a time, a per-index retry
//! budget), the ConfigMap that carries the task file to every pod, and a reference to the
//! Secret that holds the API key (never the key). Each pod runs `codexmcp batch
//! /tasks/tasks.jsonl --index $(JOB_COMPLETION_INDEX)`: exactly its task, its result line on
//! stdout, for `batch --collect` to merge from `kubectl logs`.
//!
//! Written as YAML — block style, every string double-quoted with JSON's escapes (which YAML
//! reads the same), so no value can change the document's shape.

use serde_json::{Value, json};

use super::tasks::{Place, Task};

/// A ConfigMap holds at most this much.
pub const CONFIGMAP_MAX: usize = 1024 * 1024;
/// The Secret the pods read `OPENAI_API_KEY` from.
pub const SECRET: &str = "codexmcp-openai";

/// What `--emit k8s` was asked for.
pub struct Emit<'a> {
    /// The task file's name without its extension: the Job's name (made DNS-safe).
    pub name: &'a str,
    /// The task file, as written.
    pub text: &'a str,
    pub tasks: &'a [Task],
    pub image: &'a str,
    pub parallelism: usize,
    pub namespace: Option<&'a str>,
}

/// The manifests, as one YAML stream; or why they cannot be made.
pub fn manifests(e: &Emit) -> Result<String, String> {
    if e.text.len() > CONFIGMAP_MAX - 4096 {
        return Err(format!(
            "the task file is {} bytes, more than a ConfigMap holds (1 MiB): mount it from a \
             volume instead and run `codexmcp batch /path/tasks.jsonl --index $(JOB_COMPLETION_INDEX)` in each pod",
            e.text.len()
        ));
    }
    if let Some(t) = e.tasks.iter().find(|t| t.place != Place::Own) {
        return Err(format!(
            "task {} names a folder on this machine (cwd or repo); on a cluster each task works \
             in its own folder: drop those keys, or mount the folders and run --index yourself",
            t.id
        ));
    }
    let name = dns_name(e.name);
    let mut meta = json!({"name": name, "labels": {
        "app.kubernetes.io/name": "codexmcp", "app.kubernetes.io/component": "batch"}});
    if let Some(ns) = e.namespace {
        meta["namespace"] = json!(ns);
    }
    let mut config_meta = meta.clone();
    config_meta["name"] = json!(format!("{name}-tasks"));
    let config = json!({
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": config_meta,
        "data": {"tasks.jsonl": e.text},
    });
    let n = e.tasks.len();
    let job = json!({
        "apiVersion": "batch/v1", "kind": "Job", "metadata": meta,
        "spec": {
            "completionMode": "Indexed",
            "completions": n,
            "parallelism": e.parallelism.clamp(1, n.max(1)),
            "backoffLimitPerIndex": 2,
            "maxFailedIndexes": n,
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": "codexmcp"}},
                "spec": {
                    "restartPolicy": "Never",
                    "securityContext": {"runAsNonRoot": true, "runAsUser": 10001},
                    "containers": [{
                        "name": "codexmcp",
                        "image": e.image,
                        "args": ["batch", "/tasks/tasks.jsonl", "--index", "$(JOB_COMPLETION_INDEX)",
                                 "--out", "/app/output/batch"],
                        "env": [{"name": "OPENAI_API_KEY", "valueFrom": {"secretKeyRef": {
                            "name": SECRET, "key": "OPENAI_API_KEY"}}}],
                        "securityContext": {"allowPrivilegeEscalation": false},
                        "volumeMounts": [
                            {"name": "tasks", "mountPath": "/tasks", "readOnly": true},
                            {"name": "output", "mountPath": "/app/output"},
                        ],
                    }],
                    "volumes": [
                        {"name": "tasks", "configMap": {"name": format!("{name}-tasks")}},
                        {"name": "output", "emptyDir": {}},
                    ],
                },
            },
        },
    });
    let mut out = String::new();
    for doc in [config, job] {
        out.push_str("---\n");
        yaml(&doc, 0, &mut out);
    }
    Ok(out)
}

/// A DNS-1123 label from a file name: lower case, `-` for anything else, at most 52 long (room
/// for `-tasks` and the pods' suffixes).
pub fn dns_name(stem: &str) -> String {
    let mut s: String = stem
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9') => c,
            _ => '-',
        })
        .collect();
    s.truncate(52);
    let s = s.trim_matches('-').to_string();
    if s.is_empty() {
        "codexmcp-batch".into()
    } else {
        s
    }
}

/// `v` as block YAML at `indent`.
fn yaml(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                out.push_str(&format!("{pad}{}:", scalar(&Value::String(k.clone()))));
                child(v, indent, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                out.push_str(&format!("{pad}-"));
                match item {
                    Value::Object(m) if !m.is_empty() => {
                        // The first key on the dash's line, the rest beneath it.
                        let mut first = String::new();
                        yaml(item, indent + 2, &mut first);
                        out.push(' ');
                        out.push_str(first.trim_start());
                    }
                    _ => child(item, indent, out),
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", scalar(other))),
    }
}

/// What follows `key:` or `-`: a scalar on the same line, a collection beneath.
fn child(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            yaml(v, indent + 2, out);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            yaml(v, indent + 2, out);
        }
        _ => out.push_str(&format!(" {}\n", scalar(v))),
    }
}

/// A scalar in JSON's spelling (strings double-quoted and escaped), which YAML reads the same.
fn scalar(v: &Value) -> String {
    match v {
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_keeps_every_value_a_value() {
        let v = json!({"a": {"b": ["x", {"c": 1, "d": "two\nlines: \"q\""}], "e": {}}, "f": true});
        let mut out = String::new();
        yaml(&v, 0, &mut out);
        assert_eq!(
            out,
            "\"a\":\n  \"b\":\n    - \"x\"\n    - \"c\": 1\n      \"d\": \"two\\nlines: \\\"q\\\"\"\n  \"e\": {}\n\"f\": true\n"
        );
        assert_eq!(dns_name("My Tasks_2024"), "my-tasks-2024");
        assert_eq!(dns_name("..."), "codexmcp-batch");
    }
}
