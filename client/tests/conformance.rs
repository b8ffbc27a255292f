//! The worker protocol's conformance scenarios (tests/conformance/scenarios.json), the same for
//! every worker: here, the Rust worker runs each of them (dsl-ts/test/e2e/conformance.test.ts
//! runs them with the dsl-ts worker).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pgflow_client::{Client, TaskContext, Worker};
use serde_json::{json, Value};

mod common;

use common::{database_url, spawn_worker};

const SCENARIOS: &str = include_str!("../../tests/conformance/scenarios.json");

/// What each named handler does (the scenarios' `about` says the same in words). A fan-out's
/// handler gets its item; a single step's, `{"run": ..., "<dependency>": ...}`.
fn behave(
    name: &str,
    dependency: Option<&str>,
    attempts: &Mutex<HashSet<String>>,
    input: Value,
    context: &TaskContext,
) -> Result<Value, String> {
    let of_dependency = || dependency.map_or(Value::Null, |dep| input[dep].clone());
    match name {
        "double" => Ok(json!(input.as_i64().ok_or("not a number")? * 2)),
        "items" => Ok(input["run"]["items"].clone()),
        "sum" => {
            Ok(json!(of_dependency().as_array().ok_or("not an array")?.iter().filter_map(Value::as_i64).sum::<i64>()))
        }
        "run_n" => Ok(input["run"]["n"].clone()),
        "add_one" => Ok(json!(of_dependency().as_i64().ok_or("not a number")? + 1)),
        "fail_once" => {
            let key = format!("{}/{}/{}", context.run_id, context.step_slug, context.task_index);
            if attempts.lock().unwrap().insert(key) {
                Err("first attempt".into())
            } else {
                Ok(json!("ok"))
            }
        }
        "fail_item_2" => match input.as_i64() {
            Some(2) => Err("item 2 is broken".into()),
            Some(item) => Ok(json!(item * 2)),
            None => Err("not a number".into()),
        },
        other => Err(format!("no handler is named {other}")),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_rust_worker_passes_the_conformance_scenarios() {
    let scenarios: Value = serde_json::from_str(SCENARIOS).unwrap();
    let client = Client::connect(&database_url()).await.unwrap();
    for scenario in scenarios["scenarios"].as_array().unwrap() {
        let name = scenario["name"].as_str().unwrap();
        let slug: String = format!("conf_rs_{name}").chars().take(128).collect();
        client.ensure_flow_compiled(&slug, &scenario["shape"], true).await.unwrap();
        let mut worker = Worker::builder(database_url(), slug.clone()).poll_interval(Duration::from_millis(20));
        let attempts = Arc::new(Mutex::new(HashSet::new()));
        for step in scenario["shape"]["steps"].as_array().unwrap() {
            let step_slug = step["slug"].as_str().unwrap().to_string();
            let behaviour = scenario["handlers"][&step_slug].as_str().unwrap().to_string();
            let dependency = step["dependencies"][0].as_str().map(str::to_string);
            let attempts = Arc::clone(&attempts);
            worker = worker.step(step_slug, move |input: Value, context: TaskContext| {
                let result = behave(&behaviour, dependency.as_deref(), &attempts, input, &context);
                async move { result }
            });
        }
        let (stop, running) = spawn_worker(worker);

        let run = client.start_flow(&slug, scenario["input"].clone()).send().await.unwrap();
        let ended = client.wait_for_run(run.run_id, Duration::from_secs(30)).await.unwrap();
        let expect = &scenario["expect"];
        assert_eq!(ended.status, expect["status"].as_str().unwrap(), "{name}");
        if !expect["output"].is_null() {
            assert_eq!(ended.output.as_ref(), Some(&expect["output"]), "{name}");
        }
        if let Some(fragment) = expect["error_contains"].as_str() {
            let message = ended.error_message.clone().unwrap_or_default();
            assert!(message.contains(fragment), "{name}: {message:?} does not say {fragment:?}");
        }
        stop.send(()).unwrap();
        running.await.unwrap().unwrap();
    }
}
