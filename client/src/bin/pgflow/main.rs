//! `pgflow`: runs and flows from the command line. Exit codes: 0 done; 1 the database refused the
//! call, or a watched run did not complete; 2 a usage error.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::{Parser, Subcommand};

mod child_counts;
mod dashboard;
use pgflow_client::{Client, Error, FailureGroup, Run, RunFilter, StepProgress, TimelineBucket};
use uuid::Uuid;

#[derive(Parser)]
#[command(name = "pgflow", version, about = "Watch and manage pgflow runs")]
struct Cli {
    /// postgres://user@host/db, or key=value pairs (host=/socket dbname=db).
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Figures per flow: active runs, queue, lag, throughput.
    Status,
    /// Top-level runs, newest first.
    Runs {
        #[arg(long)]
        flow: Option<String>,
        /// started, completed, failed or cancelled.
        #[arg(long)]
        status: Option<String>,
        /// Started within this long: 90s, 15m, 2h, 7d.
        #[arg(long, value_parser = parse_duration)]
        since: Option<Duration>,
        #[arg(long, default_value_t = 50)]
        limit: i32,
        /// The next page: the runs after this one (the last of the previous page).
        #[arg(long)]
        before: Option<Uuid>,
    },
    /// A run: its steps, its failures grouped by error, and a page of its child runs; with --step,
    /// a page of that step's failed items; with --step and --item, one item.
    Show {
        run_id: Uuid,
        /// Child runs of this status only (started, completed, failed or cancelled).
        #[arg(long)]
        status: Option<String>,
        /// The next page: the child runs after this one (the last of the previous page), or with
        /// --step, the failed items after this task index.
        #[arg(long)]
        after: Option<String>,
        /// How many child runs or failed items a page shows.
        #[arg(long, default_value_t = 20)]
        limit: i32,
        /// A step: its failed items, a page at a time.
        #[arg(long)]
        step: Option<String>,
        /// With --step: only the items that failed with this error.
        #[arg(long, requires = "step")]
        error: Option<String>,
        /// With --step: one item (task index): its input, output or error, attempts, worker, lease.
        #[arg(long, requires = "step")]
        item: Option<i32>,
    },
    /// Live progress of a run until it ends; exits 0 if it completed, 1 otherwise.
    Watch { run_id: Uuid },
    /// Cancels runs (and the runs below them).
    Cancel {
        #[arg(required = true)]
        run_ids: Vec<Uuid>,
    },
    /// Starts failed or cancelled runs again where they stopped.
    Redrive {
        #[arg(required = true)]
        run_ids: Vec<Uuid>,
    },
    /// A live web page of runs: lists, graphs, progress, failures, trees, actions.
    Dashboard {
        /// Where to listen; an address other than loopback needs --token.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// A secret every action must carry (X-Pgflow-Token).
        #[arg(long, env = "PGFLOW_DASHBOARD_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Show, never act: no cancel or redrive.
        #[arg(long)]
        read_only: bool,
    },
    /// Deletes finished runs that ended more than `--older-than` ago.
    Prune {
        #[arg(long, value_parser = parse_duration)]
        older_than: Duration,
        #[arg(long)]
        flow: Option<String>,
        #[arg(long, default_value_t = 1000)]
        max_runs: i32,
    },
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let Some(url) = cli.database_url else {
        eprintln!("pgflow: no database: pass --database-url or set DATABASE_URL");
        return ExitCode::from(2);
    };
    let client = match Client::connect(&url).await {
        Ok(client) => client,
        Err(error) => return fail(&error),
    };
    let outcome = match cli.command {
        Command::Status => status(&client).await,
        Command::Runs { flow, status, since, limit, before } => {
            let filter = RunFilter {
                flow_slug: flow,
                status,
                started_since: since.map(|since| SystemTime::now() - since),
                max_rows: Some(limit),
                before_run_id: before,
            };
            runs(&client, &filter).await
        }
        Command::Show { run_id, status, after, limit, step, error, item } => match (step, item) {
            (Some(step), Some(item)) => show_item(&client, run_id, &step, item).await,
            (Some(step), None) => match after.as_deref().map(str::parse::<i32>).transpose() {
                Ok(after) => show_failed(&client, run_id, &step, error.as_deref(), after.unwrap_or(-1), limit).await,
                Err(_) => usage("--after with --step is a task index"),
            },
            (None, _) => match after.as_deref().map(str::parse::<Uuid>).transpose() {
                Ok(after) => show(&client, run_id, status.as_deref(), after, limit).await,
                Err(_) => usage("--after is a child run's id"),
            },
        },
        Command::Watch { run_id } => watch(&client, run_id).await,
        Command::Cancel { run_ids } => each_run(&client, run_ids, true).await,
        Command::Redrive { run_ids } => each_run(&client, run_ids, false).await,
        Command::Prune { older_than, flow, max_runs } => prune(&client, older_than, flow, max_runs).await,
        Command::Dashboard { listen, token, read_only } => {
            return match dashboard::serve(client, dashboard::Options { listen, token, read_only }).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(message) => {
                    eprintln!("pgflow dashboard: {message}");
                    ExitCode::from(2)
                }
            };
        }
    };
    match outcome {
        Ok(code) => code,
        Err(error) => fail(&error),
    }
}

fn usage(message: &str) -> Result<ExitCode, Error> {
    eprintln!("pgflow: {message}");
    Ok(ExitCode::from(2))
}

fn fail(error: &Error) -> ExitCode {
    eprintln!("pgflow: {error}");
    ExitCode::from(1)
}

async fn status(client: &Client) -> Result<ExitCode, Error> {
    let mut table =
        Table::new(&["FLOW", "ACTIVE", "WAITING", "FAN-OUTS", "QUEUED", "RUNNING", "LAG", "DONE/MIN", "FAILED/MIN"]);
    for flow in client.stats().await? {
        table.row(vec![
            flow.flow_slug,
            flow.active_runs.to_string(),
            flow.waiting_runs.to_string(),
            flow.active_fanouts.to_string(),
            flow.queued_tasks.to_string(),
            flow.running_tasks.to_string(),
            flow.oldest_queued_age.map_or_else(|| "-".into(), human),
            flow.completed_last_minute.to_string(),
            flow.failed_last_minute.to_string(),
        ]);
    }
    table.print();
    Ok(ExitCode::SUCCESS)
}

async fn runs(client: &Client, filter: &RunFilter) -> Result<ExitCode, Error> {
    let mut table = Table::new(&["RUN", "FLOW", "STATUS", "STARTED (UTC)", "TOOK", "KEY"]);
    for run in client.list_runs(filter).await? {
        let took = run.finished_at.unwrap_or_else(SystemTime::now).duration_since(run.started_at).unwrap_or_default();
        table.row(vec![
            run.run_id.to_string(),
            run.flow_slug,
            run.status,
            utc(run.started_at),
            human(took),
            run.run_key.unwrap_or_else(|| "-".into()),
        ]);
    }
    table.print();
    Ok(ExitCode::SUCCESS)
}

async fn show(
    client: &Client,
    run_id: Uuid,
    status: Option<&str>,
    after: Option<Uuid>,
    limit: i32,
) -> Result<ExitCode, Error> {
    let run = client.run(run_id).await?;
    println!(
        "run {}  flow {}  {}  priority {}  redrives {}",
        run.run_id, run.flow_slug, run.status, run.priority, run.redrive_count
    );
    if let Some(error) = &run.error_message {
        println!("error: {error}");
    }
    println!();
    let steps = client.progress(run_id).await?;
    let mut table =
        Table::new(&["STEP", "TYPE", "STATUS", "TOTAL", "QUEUED", "RUNNING", "COMPLETED", "FAILED", "CANCELLED"]);
    for step in &steps {
        table.row(vec![
            step.step_slug.clone(),
            step.step_type.clone(),
            step.status.clone(),
            step.total.map_or_else(|| "-".into(), |t| t.to_string()),
            step.queued.to_string(),
            step.running.to_string(),
            step.completed.to_string(),
            step.failed.to_string(),
            step.cancelled.to_string(),
        ]);
    }
    table.print();
    let started: Vec<&StepProgress> = steps.iter().filter(|step| step.started_at.is_some()).collect();
    if !started.is_empty() {
        println!("\ntimeline: items finished per thirtieth of each step's span");
        let width = started.iter().map(|step| step.step_slug.len()).max().unwrap_or(4);
        for step in started {
            let buckets = client.step_timeline(run_id, &step.step_slug, 30).await?;
            let span = match (buckets.first(), buckets.last()) {
                (Some(first), Some(last)) => last.end.duration_since(first.start).unwrap_or_default(),
                _ => Duration::ZERO,
            };
            let every_nth = buckets.first().map_or(1, |b| b.every_nth);
            println!(
                "{:width$}  {}  {} +{}{}{}",
                step.step_slug,
                sparkline(&buckets),
                step.started_at.map_or_else(String::new, utc),
                human(span),
                if step.finished_at.is_some() { "" } else { " (running)" },
                if every_nth > 1 { format!(" (1 task in {every_nth} counted, scaled)") } else { String::new() }
            );
        }
    }
    for step in steps.iter().filter(|step| step.failed > 0) {
        println!("\nfailures of {} ({} items), by error:", step.step_slug, step.failed);
        let mut table = Table::new(&["ITEMS", "FIRST", "ERROR"]);
        for group in client.failure_groups(run_id, &step.step_slug, 10).await? {
            table.row(vec![
                group.items.to_string(),
                group.first_task_index.to_string(),
                one_line(group.error_message.as_deref().unwrap_or(""), 100),
            ]);
        }
        table.print();
        println!("  the items: pgflow show {run_id} --step {} [--error ERROR]", step.step_slug);
    }
    let counts = client.child_run_counts(run_id).await?;
    if !counts.is_empty() {
        let total: i64 = counts.iter().map(|(_, n)| n).sum();
        println!("\nchild runs: {total} ({})", by_status(&counts));
        let page = client.child_runs(run_id, status, after, limit).await?;
        let mut table = Table::new(&["RUN", "FLOW", "STATUS", "TASK", "DONE", "FAILED", "ERROR"]);
        for child in &page {
            table.row(vec![
                child.run_id.to_string(),
                child.flow_slug.clone(),
                child.status.clone(),
                format!("{}[{}]", child.parent_step_slug, child.parent_task_index),
                format!("{}/{}", child.completed_tasks, child.total_tasks),
                child.failed_tasks.to_string(),
                one_line(child.error_message.as_deref().unwrap_or(""), 60),
            ]);
        }
        table.print();
        if let (true, Some(last)) = (page.len() as i32 == limit, page.last()) {
            let filter = status.map_or_else(String::new, |s| format!(" --status {s}"));
            println!("  next page: pgflow show {run_id}{filter} --after {}", last.run_id);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A page of a step's failed items, of one error or any.
async fn show_failed(
    client: &Client,
    run_id: Uuid,
    step_slug: &str,
    error: Option<&str>,
    after: i32,
    limit: i32,
) -> Result<ExitCode, Error> {
    let items = client.failed_items(run_id, step_slug, error, after, limit).await?;
    let mut table = Table::new(&["ITEM", "ATTEMPTS", "FAILED AT (UTC)", "ERROR"]);
    for item in &items {
        table.row(vec![
            item.task_index.to_string(),
            item.attempts_count.to_string(),
            item.failed_at.map_or_else(String::new, utc),
            one_line(item.error_message.as_deref().unwrap_or(""), 100),
        ]);
    }
    table.print();
    if let (true, Some(last)) = (items.len() as i32 == limit, items.last()) {
        let filter = error.map_or_else(String::new, |e| format!(" --error '{}'", e.replace('\'', "'\\''")));
        println!("next page: pgflow show {run_id} --step {step_slug}{filter} --after {}", last.task_index);
    }
    Ok(ExitCode::SUCCESS)
}

/// One item: its status, times, worker and lease, attempts and their errors, input and output.
async fn show_item(client: &Client, run_id: Uuid, step_slug: &str, task_index: i32) -> Result<ExitCode, Error> {
    let task = client.inspect_task(run_id, step_slug, task_index).await?;
    println!("item {task_index} of step {step_slug} of run {run_id}  {}", task.status);
    let time = |t: Option<SystemTime>| t.map_or_else(|| "-".into(), utc);
    println!(
        "queued {}  started {}  completed {}  failed {}",
        utc(task.queued_at),
        time(task.started_at),
        time(task.completed_at),
        time(task.failed_at)
    );
    println!(
        "attempts {}  worker {}  lease until {}",
        task.attempts_count,
        task.worker_id.map_or_else(|| "-".into(), |w| w.to_string()),
        time(task.lease_until)
    );
    if let Some(first) = task.first_index {
        println!("a batch: items from {first}");
    }
    for attempt in task.attempt_errors.as_array().into_iter().flatten() {
        println!(
            "attempt {} failed at {} (worker {}): {}",
            attempt["attempt"],
            attempt["at"].as_str().unwrap_or("?"),
            attempt["worker_id"].as_str().unwrap_or("-"),
            attempt["error"].as_str().unwrap_or("")
        );
    }
    println!("input:  {}", task.input);
    if let Some(output) = &task.output {
        println!("output: {output}");
    }
    if let Some(error) = &task.error_message {
        println!("error:  {error}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Each bucket's finished tasks as a bar from ▁ to █, scaled to the busiest; a space for none.
fn sparkline(buckets: &[TimelineBucket]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let peak = buckets.iter().map(|b| b.completed + b.failed).max().unwrap_or(0).max(1);
    buckets
        .iter()
        .map(|b| match b.completed + b.failed {
            0 => ' ',
            n => BARS[((n * 8 - 1) / peak).min(7) as usize],
        })
        .collect()
}

/// Child runs' counts as `3 failed, 9 started`, in the order given.
fn by_status(counts: &[(String, i64)]) -> String {
    counts.iter().map(|(status, n)| format!("{n} {status}")).collect::<Vec<_>>().join(", ")
}

/// A text on one line, cut to `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let line = text.replace(['\n', '\r'], " ");
    if line.chars().count() <= max {
        return line;
    }
    line.chars().take(max - 1).chain(['…']).collect()
}

/// Redraws the run's progress bars whenever the engine announces the end of one of its steps, and
/// at least twice a second, until the run ends.
async fn watch(client: &Client, run_id: Uuid) -> Result<ExitCode, Error> {
    let mut announcements = client.announcements().await?;
    let terminal = std::io::stdout().is_terminal();
    let mut drawn = 0;
    let mut biggest: HashMap<String, (i32, Option<FailureGroup>)> = HashMap::new();
    let mut children = child_counts::OneRun::default();
    loop {
        let run = client.run(run_id).await?;
        let steps = client.progress(run_id).await?;
        let mut lines = bars(&run, &steps);
        let counts = children.get(client, &run, &steps).await?;
        if !counts.is_empty() {
            lines.push(format!("child runs: {}", by_status(counts)));
        }
        for step in steps.iter().filter(|step| step.failed > 0) {
            // Grouping reads every failed item of the step: again only when its failures changed.
            if biggest.get(&step.step_slug).is_none_or(|(failed, _)| *failed != step.failed) {
                let group = client.failure_groups(run_id, &step.step_slug, 1).await?.into_iter().next();
                biggest.insert(step.step_slug.clone(), (step.failed, group));
            }
            if let Some((_, Some(group))) = biggest.get(&step.step_slug) {
                lines.push(format!(
                    "{}: {} failed, most ({}): {}",
                    step.step_slug,
                    step.failed,
                    group.items,
                    one_line(group.error_message.as_deref().unwrap_or(""), 60)
                ));
            }
        }
        let mut out = std::io::stdout().lock();
        if terminal && drawn > 0 {
            let _ = write!(out, "\x1b[{drawn}A\x1b[J");
        }
        for line in &lines {
            let _ = writeln!(out, "{line}");
        }
        let _ = out.flush();
        drawn = lines.len();
        if run.is_finished() {
            if let Some(error) = &run.error_message {
                eprintln!("pgflow: run {run_id} {}: {error}", run.status);
            }
            return Ok(if run.status == "completed" { ExitCode::SUCCESS } else { ExitCode::from(1) });
        }
        let _ = tokio::time::timeout(Duration::from_millis(500), announcements.recv()).await;
    }
}

fn bars(run: &Run, steps: &[StepProgress]) -> Vec<String> {
    let width = steps.iter().map(|s| s.step_slug.len()).max().unwrap_or(4);
    let mut lines = vec![format!("run {} ({}) {}", run.run_id, run.flow_slug, run.status)];
    for step in steps {
        let total = step.total.unwrap_or(0).max(0);
        let done = step.completed + step.failed + step.cancelled;
        let filled = if total == 0 {
            if step.status == "completed" {
                30
            } else {
                0
            }
        } else {
            (done as i64 * 30 / total as i64) as usize
        };
        lines.push(format!(
            "{:width$}  [{}{}] {}/{} completed {} failed {} running {} queued  {}",
            step.step_slug,
            "#".repeat(filled.min(30)),
            ".".repeat(30 - filled.min(30)),
            step.completed,
            step.total.map_or_else(|| "?".into(), |t| t.to_string()),
            step.failed,
            step.running,
            step.queued,
            step.status,
        ));
    }
    lines
}

async fn each_run(client: &Client, run_ids: Vec<Uuid>, cancel: bool) -> Result<ExitCode, Error> {
    let mut code = ExitCode::SUCCESS;
    for run_id in run_ids {
        let outcome = if cancel { client.cancel_run(run_id).await } else { client.redrive_run(run_id).await };
        match outcome {
            Ok(run) => println!("{} {}", run.run_id, run.status),
            Err(error) => {
                eprintln!("pgflow: run {run_id}: {error}");
                code = ExitCode::from(1);
            }
        }
    }
    Ok(code)
}

async fn prune(client: &Client, older_than: Duration, flow: Option<String>, max_runs: i32) -> Result<ExitCode, Error> {
    let pruned = client.prune_runs(older_than, flow.as_deref(), max_runs).await?;
    println!("pruned {pruned} run(s) that ended more than {} ago", human(older_than));
    Ok(ExitCode::SUCCESS)
}

/// `90s`, `15m`, `2h`, `7d`, `1w` (a number alone is seconds).
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| format!("{text:?} is not a duration such as 90s, 15m, 2h or 7d"))?;
    let seconds = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(format!("{text:?}: unknown unit {unit:?} (s, m, h, d or w)")),
    };
    Ok(Duration::from_secs(number * seconds))
}

/// A duration the way a person reads it: 850ms, 42s, 3m05s, 2h10m, 3d4h.
fn human(duration: Duration) -> String {
    let s = duration.as_secs();
    match s {
        0 => format!("{}ms", duration.as_millis()),
        1..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        3600..=86_399 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d{}h", s / 86_400, s % 86_400 / 3600),
    }
}

/// A time as `YYYY-MM-DD HH:MM:SS` in UTC.
fn utc(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// Columns padded to their widest cell.
struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(header: &[&str]) -> Self {
        Table { rows: vec![header.iter().map(|h| h.to_string()).collect()] }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn print(&self) {
        let columns = self.rows[0].len();
        let widths: Vec<usize> = (0..columns)
            .map(|c| self.rows.iter().map(|r| r.get(c).map_or(0, String::len)).max().unwrap_or(0))
            .collect();
        for row in &self.rows {
            let cells: Vec<String> = row.iter().zip(&widths).map(|(cell, width)| format!("{cell:width$}")).collect();
            println!("{}", cells.join("  ").trim_end());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_and_print_as_people_write_them() {
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert!(parse_duration("7x").is_err());
        assert!(parse_duration("soon").is_err());
        assert_eq!(human(Duration::from_secs(185)), "3m05s");
        assert_eq!(human(Duration::from_millis(850)), "850ms");
    }

    #[test]
    fn a_sparkline_scales_to_the_busiest_bucket() {
        let at =
            |completed, failed| TimelineBucket { start: UNIX_EPOCH, end: UNIX_EPOCH, completed, failed, every_nth: 1 };
        assert_eq!(sparkline(&[at(0, 0), at(1, 0), at(4, 4), at(8, 0), at(2, 0)]), " ▁██▂");
    }

    #[test]
    fn times_print_in_utc() {
        assert_eq!(utc(UNIX_EPOCH + Duration::from_secs(1_764_000_000)), "2025-11-24 16:00:00");
        assert_eq!(utc(UNIX_EPOCH), "1970-01-01 00:00:00");
    }
}
