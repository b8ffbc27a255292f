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

const PARENT: &str = "00000000-0000-4000-8000-00000000c120";
const ITEMS: &str = "00000000-0000-4000-8000-00000000c121";
const BIG: &str = "00000000-0000-4000-8000-00000000c122";

#[tokio::test]
async fn show_says_when_a_big_steps_timeline_is_counted_on_a_sample() {
    let (db, connection) = tokio_postgres::connect(&database_url(), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    db.batch_execute(&format!(
        "select pgflow.create_flow('cli_big');
         select pgflow.add_step('cli_big', 'items', step_type => 'fanout');
         select pgflow.start_flow('cli_big', (select jsonb_agg(i) from generate_series(1, 25000) i), run_id => '{BIG}');"
    ))
    .await
    .unwrap();
    let shown = pgflow(&["show", BIG]).await;
    assert!(shown.status.success(), "{}", stderr(&shown));
    let text = stdout(&shown);
    let timeline = text.split_once("\ntimeline:").map_or("", |(_, after)| after);
    let line = timeline.lines().find(|l| l.starts_with("items  ")).map(str::to_string);
    assert!(
        line.as_deref().is_some_and(|l| l.ends_with("(running) (1 task in 3 counted, scaled)")),
        "a timeline of 25,000 tasks is counted on every third: {line:?}"
    );
}

#[tokio::test]
async fn show_pages_child_runs_and_failures_and_opens_an_item() {
    let (db, connection) = tokio_postgres::connect(&database_url(), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    // A sub-flow fan-out of 5 children, those of items 1 and 3 failed; a fan-out of 6 items, 2 and 5
    // failed one way, 4 another.
    db.batch_execute(&format!(
        "select pgflow.create_flow('cli_leaf', max_attempts => 1);
         select pgflow.add_step('cli_leaf', 'work');
         select pgflow.create_flow('cli_parent', max_attempts => 1);
         select pgflow.add_step('cli_parent', 'each', step_type => 'fanout', subflow => 'cli_leaf', fanout_policy => 'collect_all');
         select pgflow.start_flow('cli_parent', '[0, 1, 2, 3, 4]', run_id => '{PARENT}');
         select count(*) from pgflow.poll_for_tasks('cli_leaf', 30, 10, 0);
         select count(*) from (select pgflow.fail_task(run_id, 'work', 0, 'leaf broke')
           from pgflow.runs where parent_run_id = '{PARENT}' and parent_task_index in (1, 3)) f;
         select pgflow.create_flow('cli_items', max_attempts => 1);
         select pgflow.add_step('cli_items', 'items', step_type => 'fanout', fanout_policy => 'collect_all');
         select pgflow.start_flow('cli_items', '[0, 1, 2, 3, 4, 5]', run_id => '{ITEMS}');
         select count(*) from pgflow.poll_for_tasks('cli_items', 30, 10, 0);
         select count(*) from (select pgflow.fail_task('{ITEMS}', 'items', i, 'upstream said 503') from unnest(array[2, 5]) i) f;
         select count(*) from pgflow.fail_task('{ITEMS}', 'items', 4, 'bad item');"
    ))
    .await
    .unwrap();
    let lines = |output: &Output| stdout(output).lines().map(str::to_string).collect::<Vec<_>>();
    let task_column = |lines: &[String]| -> Vec<String> {
        lines
            .iter()
            .filter_map(|l| l.split_whitespace().nth(3).filter(|t| t.starts_with("each[")).map(str::to_string))
            .collect()
    };

    let first = pgflow(&["show", PARENT, "--limit", "2"]).await;
    assert!(first.status.success(), "{}", stderr(&first));
    let shown = lines(&first);
    assert!(shown.contains(&"child runs: 5 (2 failed, 3 started)".to_string()), "{shown:?}");
    assert_eq!(task_column(&shown), ["each[0]", "each[1]"], "{shown:?}");
    assert!(shown.iter().any(|l| l.starts_with("failures of each (2 items), by error:")), "{shown:?}");
    assert!(
        shown.iter().any(|l| l.starts_with("each  ") && l.chars().filter(|c| "▁▂▃▄▅▆▇█".contains(*c)).count() >= 1),
        "a timeline line for the step: {shown:?}"
    );
    assert!(
        shown.iter().any(|l| l.split_whitespace().take(2).eq(["2", "1"]) && l.contains("sub-flow run … failed:")),
        "one kind of error for both failed children: {shown:?}"
    );
    let next = shown.iter().find_map(|l| l.strip_prefix("  next page: ")).expect("a next page").to_string();
    let after = next.rsplit(' ').next().unwrap();
    let second = lines(&pgflow(&["show", PARENT, "--limit", "2", "--after", after]).await);
    assert_eq!(task_column(&second), ["each[2]", "each[3]"], "the next page: {second:?}");
    let failed = lines(&pgflow(&["show", PARENT, "--status", "failed"]).await);
    assert_eq!(task_column(&failed), ["each[1]", "each[3]"], "one status: {failed:?}");

    let items = lines(&pgflow(&["show", ITEMS, "--step", "items", "--limit", "2"]).await);
    let indexes: Vec<&str> = items.iter().skip(1).filter_map(|l| l.split_whitespace().next()).collect();
    assert_eq!(indexes[..2], ["2", "4"], "the failed items in task order: {items:?}");
    assert!(
        items.last().unwrap().starts_with(&format!("next page: pgflow show {ITEMS} --step items --after 4")),
        "{items:?}"
    );
    let kind = lines(&pgflow(&["show", ITEMS, "--step", "items", "--error", "upstream said 503"]).await);
    assert_eq!(
        kind.iter().skip(1).filter_map(|l| l.split_whitespace().next()).collect::<Vec<_>>(),
        ["2", "5"],
        "{kind:?}"
    );

    let item = pgflow(&["show", ITEMS, "--step", "items", "--item", "4"]).await;
    assert!(item.status.success(), "{}", stderr(&item));
    let item = stdout(&item);
    assert!(item.starts_with(&format!("item 4 of step items of run {ITEMS}  failed")), "{item}");
    assert!(item.lines().any(|l| l.starts_with("attempt 1 failed at ") && l.ends_with(": bad item")), "{item}");
    assert!(item.contains("input:  {\"item\":4}"), "{item}");
    let unknown = pgflow(&["show", ITEMS, "--step", "items", "--item", "9"]).await;
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr(&unknown).contains("(SQLSTATE P0002)"), "{}", stderr(&unknown));
    let not_an_index = pgflow(&["show", ITEMS, "--step", "items", "--after", "x"]).await;
    assert_eq!(not_an_index.status.code(), Some(2));
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
