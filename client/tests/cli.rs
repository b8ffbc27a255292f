//! The `pgflow` command against a known database (the private cluster of scripts/test.sh): each
//! command's output and exit code.

use std::process::Output;

use tokio::process::Command;

fn database_url() -> String {
    std::env::var("PGFLOW_TEST_DATABASE_URL")
        .expect("PGFLOW_TEST_DATABASE_URL is not set: run these tests through scripts/test.sh (make test T=client)")
}

async fn pgflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgflow")).args(args).env("DATABASE_URL", database_url()).output().await.unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

// The id its run key makes (a keyed start's id derives from its flow and key: README, start_flow).
const DONE: &str = "4919f6fe-6df6-5b0e-96cc-84408e6acb1e";
const FAILED: &str = "00000000-0000-4000-8000-00000000c11f";

#[tokio::test]
async fn each_command_prints_what_it_did_and_exits_with_its_code() {
    let (db, connection) = tokio_postgres::connect(&database_url(), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    // One completed run and one failed run of a flow of one step, answered by hand.
    db.batch_execute(&format!(
        "select pgflow.create_flow('cli_flow', max_attempts => 1);
         select pgflow.add_step('cli_flow', 'work');
         select pgflow.start_flow('cli_flow', '{{\"n\": 1}}', run_id => '{DONE}', run_key => 'cli-key');
         select pgflow.start_flow('cli_flow', '{{\"n\": 2}}', run_id => '{FAILED}');
         select count(*) from pgflow.poll_for_tasks('cli_flow', 30, 10, 0);
         select count(*) from pgflow.complete_task('{DONE}', 'work', 0, '\"ok\"');
         select count(*) from pgflow.fail_task('{FAILED}', 'work', 0, 'broken on purpose');"
    ))
    .await
    .unwrap();

    let status = pgflow(&["status"]).await;
    assert!(status.status.success(), "{}", stderr(&status));
    assert!(stdout(&status).lines().next().unwrap().starts_with("FLOW"));
    assert!(stdout(&status).lines().any(|line| line.starts_with("cli_flow ")));

    let runs = pgflow(&["runs", "--flow", "cli_flow"]).await;
    assert!(runs.status.success(), "{}", stderr(&runs));
    let lines: Vec<String> = stdout(&runs).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 3, "a header and two runs: {lines:?}");
    assert!(lines.iter().any(|l| l.starts_with(DONE) && l.contains(" completed ") && l.ends_with("cli-key")));
    assert!(lines.iter().any(|l| l.starts_with(FAILED) && l.contains(" failed ")));
    let failed_only = pgflow(&["runs", "--flow", "cli_flow", "--status", "failed", "--since", "1h"]).await;
    assert_eq!(stdout(&failed_only).lines().count(), 2);
    let first_page = pgflow(&["runs", "--flow", "cli_flow", "--limit", "1"]).await;
    let first = stdout(&first_page).lines().nth(1).unwrap().split(' ').next().unwrap().to_string();
    let next_page = pgflow(&["runs", "--flow", "cli_flow", "--limit", "1", "--before", &first]).await;
    let next = stdout(&next_page).lines().nth(1).unwrap().split(' ').next().unwrap().to_string();
    assert_eq!(
        [first.as_str(), next.as_str()].iter().filter(|id| [DONE, FAILED].contains(id)).count(),
        2,
        "two pages of one run: both runs, once each"
    );
    assert_ne!(first, next);

    let show = pgflow(&["show", FAILED]).await;
    assert!(show.status.success(), "{}", stderr(&show));
    let shown = stdout(&show);
    assert!(shown.starts_with(&format!("run {FAILED}  flow cli_flow  failed  priority 0  redrives 0")), "{shown}");
    assert!(shown.contains("error: step 'work' failed: task 0 failed: broken on purpose"));
    assert!(shown.lines().any(|l| l.starts_with("work ") && l.contains(" failed ")));

    let watch_done = pgflow(&["watch", DONE]).await;
    assert_eq!(watch_done.status.code(), Some(0));
    assert!(stdout(&watch_done).contains("[##############################] 1/1 completed"), "{}", stdout(&watch_done));
    let watch_failed = pgflow(&["watch", FAILED]).await;
    assert_eq!(watch_failed.status.code(), Some(1), "a watched run that fails exits 1");

    let cancel_finished = pgflow(&["cancel", DONE]).await;
    assert_eq!(cancel_finished.status.code(), Some(1));
    assert!(stderr(&cancel_finished).contains("(SQLSTATE 55000)"), "{}", stderr(&cancel_finished));
    let redrive = pgflow(&["redrive", FAILED]).await;
    assert_eq!(redrive.status.code(), Some(0), "{}", stderr(&redrive));
    assert_eq!(stdout(&redrive).trim(), format!("{FAILED} started"));
    let cancel = pgflow(&["cancel", FAILED]).await;
    assert_eq!(stdout(&cancel).trim(), format!("{FAILED} cancelled"));

    let prune = pgflow(&["prune", "--older-than", "0s", "--flow", "cli_flow"]).await;
    assert!(prune.status.success(), "{}", stderr(&prune));
    assert_eq!(stdout(&prune).trim(), "pruned 2 run(s) that ended more than 0ms ago");

    let unknown = pgflow(&["runs", "--flow", "cli_nowhere"]).await;
    assert_eq!(unknown.status.code(), Some(1));
    assert_eq!(stderr(&unknown).trim(), "pgflow: flow 'cli_nowhere' does not exist (SQLSTATE 42704)");
}

#[tokio::test]
async fn usage_errors_exit_2() {
    let no_database =
        Command::new(env!("CARGO_BIN_EXE_pgflow")).arg("status").env_remove("DATABASE_URL").output().await.unwrap();
    assert_eq!(no_database.status.code(), Some(2));
    assert!(stderr(&no_database).contains("pass --database-url or set DATABASE_URL"));
    let bad_duration = pgflow(&["prune", "--older-than", "soon"]).await;
    assert_eq!(bad_duration.status.code(), Some(2));
    assert!(stderr(&bad_duration).contains("is not a duration"));
    let not_a_run = pgflow(&["show", "42"]).await;
    assert_eq!(not_a_run.status.code(), Some(2));
}
