//! pgflow: workflows with fan-out steps, run inside PostgreSQL.
//!
//! `api` holds the `#[pg_extern]` shims, grouped as the SQL functions are (definition, runs,
//! tasks); `engine` holds the logic they call; every query the engine runs is a file under
//! `sql/queries/`, prepared once per backend by `plans`.

// The shims return pgrx's ErrorReport, as pgrx's examples do, and pgrx raises it at once; boxing
// it would only add an allocation to every error.
#![allow(clippy::result_large_err)]

use pgrx::prelude::*;

mod api;
mod engine;
mod error;
mod pg_compat;
mod plans;
mod raw;
mod subtransaction;
mod validate;

::pgrx::pg_module_magic!();

extension_sql_file!("../sql/schema.sql", name = "schema", bootstrap);
extension_sql_file!("../sql/finalize.sql", name = "finalize", finalize);

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use crate::validate;
    use pgrx::prelude::*;

    #[pg_test]
    fn slug_rule_matches_the_schema_domain() {
        for slug in ["a", "_x", "step_1", "A9", &"s".repeat(128)] {
            assert!(validate::slug_problem(slug).is_none(), "{slug} should be valid");
            let ok = Spi::get_one::<bool>(&format!("select '{slug}'::text ~ '^[a-zA-Z_][a-zA-Z0-9_]*$'"));
            assert_eq!(ok, Ok(Some(true)));
        }
        for slug in ["", "1a", "a-b", "a b", "run", "é", &"s".repeat(129)] {
            assert!(validate::slug_problem(slug).is_some(), "{slug:?} should be invalid");
        }
    }

    /// Every statement of the engine prepares against the installed schema: a column renamed in
    /// sql/schema.sql but not in a query fails here, not in the middle of a run.
    #[pg_test]
    fn every_statement_prepares() {
        Spi::connect_mut(|client| {
            for statement in statements_here() {
                if let Err(error) = crate::plans::plan(client, statement) {
                    panic!("{} ({}.sql) does not prepare: {error:?}", statement.name, statement.file);
                }
            }
        });
    }

    /// The registered statements that can be prepared in this database: those of the citus family
    /// name Citus' functions and catalogs, and prepare only where citus is installed (the Citus
    /// tests run them all, through pgflow.distribute).
    fn statements_here() -> impl Iterator<Item = &'static crate::plans::StatementInfo> {
        let citus = Spi::get_one::<bool>("select exists (select from pg_extension where extname = 'citus')")
            .unwrap()
            .unwrap_or(false);
        crate::plans::ALL.iter().copied().filter(move |statement| citus || !statement.file.starts_with("citus/"))
    }

    /// The defaults of flows and steps are written once, in `engine::definition`; the table
    /// defaults and add_step's SQL defaults must say the same.
    #[pg_test]
    fn defaults_match_the_schema() {
        use crate::engine::shape::{Condition, FailureOptions, FlowOptions};
        let column_default = |table: &str, column: &str| {
            Spi::get_one::<String>(&format!(
                "select pg_get_expr(d.adbin, d.adrelid) from pg_attrdef d
                  join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
                 where d.adrelid = 'pgflow.{table}'::regclass and a.attname = '{column}'"
            ))
            .unwrap()
            .unwrap_or_default()
        };
        for (column, value) in [
            ("opt_max_attempts", FlowOptions::DEFAULT_MAX_ATTEMPTS),
            ("opt_base_delay", FlowOptions::DEFAULT_BASE_DELAY),
            ("opt_timeout", FlowOptions::DEFAULT_TIMEOUT),
            ("opt_max_delay", FlowOptions::DEFAULT_MAX_DELAY),
        ] {
            assert_eq!(column_default("flows", column), value.to_string(), "flows.{column}");
        }
        let add_step_defaults = Spi::get_one::<String>(
            "select pg_get_expr(proargdefaults, 0) from pg_proc where oid = 'pgflow.add_step'::regproc",
        )
        .unwrap()
        .unwrap_or_default();
        for (column, value) in [
            ("fanout_policy", FailureOptions::DEFAULT_FANOUT_POLICY),
            ("when_exhausted", FailureOptions::DEFAULT_WHEN_EXHAUSTED),
            ("when_unmet", Condition::DEFAULT_WHEN_UNMET),
        ] {
            assert_eq!(column_default("steps", column), format!("'{value}'::text"), "steps.{column}");
            assert!(add_step_defaults.contains(&format!("'{value}'::text")), "add_step's default for {column}");
        }
        assert_eq!(
            column_default("steps", "aggregate"),
            FailureOptions::DEFAULT_AGGREGATE.to_string(),
            "steps.aggregate"
        );
    }

    /// The schema's checks on option columns say what OPTION_MINIMUMS says: each option column of
    /// flows and steps has one lower bound, the check `column >= minimum`.
    #[pg_test]
    fn option_minimums_are_the_schemas_checks() {
        for (option, minimum) in crate::validate::OPTION_MINIMUMS {
            let mut columns_seen = 0;
            for table in ["flows", "steps"] {
                for column in [format!("opt_{option}"), option.to_string()] {
                    let exists = Spi::get_one::<bool>(&format!(
                        "select exists (select from pg_attribute where attrelid = 'pgflow.{table}'::regclass
                                          and attname = '{column}' and not attisdropped)"
                    ))
                    .unwrap()
                    .unwrap_or(false);
                    if !exists {
                        continue;
                    }
                    columns_seen += 1;
                    let checks = Spi::get_one::<Vec<String>>(&format!(
                        "select coalesce(array_agg(pg_get_constraintdef(oid)), '{{}}') from pg_constraint
                          where conrelid = 'pgflow.{table}'::regclass and contype = 'c'
                            and pg_get_constraintdef(oid) ~ '\\m{column} >='"
                    ))
                    .unwrap()
                    .unwrap_or_default();
                    assert_eq!(checks, vec![format!("CHECK (({column} >= {minimum}))")], "{table}.{column}");
                }
            }
            assert!(columns_seen > 0, "no column of flows or steps holds {option}");
        }
    }

    /// Each statement returns the columns its header declares (names, order and types): the
    /// registry (build.rs) reads rows by position, typed from the header.
    #[pg_test]
    fn statements_return_what_their_headers_declare() {
        Spi::connect_mut(|_client| {
            for statement in statements_here() {
                let returned = crate::plans::result_columns(statement);
                let declared: Vec<(String, String)> =
                    statement.columns.iter().map(|c| (c.name.to_string(), c.sql_type.to_string())).collect();
                assert_eq!(
                    returned, declared,
                    "sql/queries/{}.sql returns other columns than its header declares",
                    statement.file
                );
            }
        });
        // machine::complete_tasks reads the rows of either by complete_task's positions.
        let columns = |statement: &crate::plans::StatementInfo| {
            statement.columns.iter().map(|c| (c.name, c.sql_type)).collect::<Vec<_>>()
        };
        assert_eq!(columns(&crate::plans::COMPLETE_TASK), columns(&crate::plans::COMPLETE_TASKS));
    }

    /// A statement run on a shard (the Citus mode's claims) names the shard's tables: whole names
    /// only, and in the claim statement every name of the table.
    #[pg_test]
    fn a_statement_on_a_shard_names_its_tables() {
        let tables = [("pgflow.steps", "pgflow.steps_9".to_string()), ("pgflow.step_tasks", "pgflow.t_1".to_string())];
        assert_eq!(
            crate::plans::on_tables(
                "from pgflow.steps s, pgflow.step_states ss, pgflow.step_tasks_seq, pgflow.steps",
                &tables
            ),
            "from pgflow.steps_9 s, pgflow.step_states ss, pgflow.step_tasks_seq, pgflow.steps_9"
        );
        let claim = crate::plans::on_tables(crate::plans::CLAIM_TASKS.sql, &tables);
        assert!(!claim.contains("pgflow.step_tasks ") && claim.contains("pgflow.t_1 "), "{claim}");
    }

    /// The queue index's key (sql/schema.sql) is the lane key the statements use
    /// (sql/fragments.sql): a claim whose lane expression differed would not use the index.
    #[pg_test]
    fn lane_key_is_the_queue_index_key() {
        let (_, body) = crate::plans::FRAGMENTS.iter().find(|(name, _)| *name == "pgflow_lane_key").unwrap();
        let expression = body.replace("{1}", "flow_slug").replace("{2}", "step_slug");
        Spi::run("create temp table lane_key_check (flow_slug text, step_slug text)").unwrap();
        Spi::run(&format!("create index lane_key_check_idx on lane_key_check (({expression}))")).unwrap();
        let key = |index: &str| {
            Spi::get_one::<String>(&format!("select pg_get_indexdef('{index}'::regclass, 1, false)")).unwrap().unwrap()
        };
        assert_eq!(key("pgflow.step_tasks_queued_idx"), key("lane_key_check_idx"));
    }

    #[pg_test]
    fn prepared_plans_survive_across_calls() {
        Spi::run("select pgflow.create_flow('kept')").unwrap();
        let again = Spi::get_one::<String>("select (pgflow.create_flow('kept')).flow_slug");
        assert_eq!(again, Ok(Some("kept".to_string())));
    }
}

/// The rules of a definition that dsl-ts checks at definition time, written by the engine: the
/// module `dsl-ts/src/rules.generated.ts` must be what this renders (`UPDATE_GENERATED=1` writes it).
#[cfg(test)]
mod dsl_rules {
    use crate::engine::shape::{Condition, FailureOptions, FlowOptions};
    use crate::validate::{slug_problem, OPTION_MINIMUMS, SLUG_MAX_LENGTH, SLUG_RESERVED};

    fn camel(name: &str) -> String {
        let mut out = String::new();
        let mut upper = false;
        for c in name.chars() {
            if c == '_' {
                upper = true;
            } else if upper {
                out.push(c.to_ascii_uppercase());
                upper = false;
            } else {
                out.push(c);
            }
        }
        out
    }

    fn list(words: &[&str]) -> String {
        words.iter().map(|w| format!("'{w}'")).collect::<Vec<_>>().join(", ")
    }

    fn render() -> String {
        let minimums: Vec<String> =
            OPTION_MINIMUMS.iter().map(|(name, min)| format!("  {}: {min},", camel(name))).collect();
        format!(
            "// Generated from the extension's engine (src/validate.rs, src/engine/shape.rs) by the test\n\
             // dsl_rules::the_dsl_rules_are_the_engines (src/lib.rs); edit those, then run\n\
             // `UPDATE_GENERATED=1 make test T=rust` to write this again.\n\n\
             /** The longest slug, and the slugs that are taken. */\n\
             export const SLUG_MAX_LENGTH = {SLUG_MAX_LENGTH};\n\
             export const SLUG_RESERVED: readonly string[] = [{}];\n\n\
             /** The least value of each numeric option, flow and step alike. */\n\
             export const OPTION_MINIMUMS = {{\n{}\n}} as const;\n\n\
             /** The defaults of a flow's options, which a shape always states (pgflow's). */\n\
             export const FLOW_DEFAULTS = {{ maxAttempts: {}, baseDelay: {}, timeout: {} }} as const;\n\
             /** The default of `maxDelay`, which a shape states only when it differs. */\n\
             export const DEFAULT_MAX_DELAY = {};\n\n\
             /** The defaults of a step's policies, which a shape always states. */\n\
             export const STEP_DEFAULTS = {{ fanoutPolicy: '{}', whenExhausted: '{}', whenUnmet: '{}' }} as const;\n\n\
             export const FANOUT_POLICIES: readonly string[] = [{}];\n\
             export const WHEN_EXHAUSTED: readonly string[] = [{}];\n\
             export const WHEN_UNMET: readonly string[] = [{}];\n",
            list(SLUG_RESERVED),
            minimums.join("\n"),
            FlowOptions::DEFAULT_MAX_ATTEMPTS,
            FlowOptions::DEFAULT_BASE_DELAY,
            FlowOptions::DEFAULT_TIMEOUT,
            FlowOptions::DEFAULT_MAX_DELAY,
            FailureOptions::DEFAULT_FANOUT_POLICY,
            FailureOptions::DEFAULT_WHEN_EXHAUSTED,
            Condition::DEFAULT_WHEN_UNMET,
            list(FailureOptions::FANOUT_POLICIES),
            list(FailureOptions::WHEN_EXHAUSTED),
            list(Condition::WHEN_UNMET),
        )
    }

    /// The engine's verdict on slugs at each edge of its rule, which dsl-ts's slugProblem must
    /// give word for word (dsl-ts/test/unit/slugs.test.ts).
    fn render_slug_cases() -> String {
        let long = "x".repeat(SLUG_MAX_LENGTH);
        let cases = [
            "a",
            "_",
            "_x",
            "A1_b",
            "flow_2",
            "",
            "1abc",
            "a-b",
            "a b",
            "é",
            "aé",
            "a.b",
            "run",
            "Run",
            "runs",
            long.as_str(),
            &format!("{long}x"),
        ];
        let rows: Vec<String> =
            cases.iter().map(|slug| format!("  {}", serde_json::json!([slug, slug_problem(slug)]))).collect();
        format!("[\n{}\n]\n", rows.join(",\n"))
    }

    /// Checks a generated file against what the engine renders; UPDATE_GENERATED=1 writes it.
    fn check_generated(relative: &str, wanted: &str) {
        let path = format!("{}/{relative}", env!("CARGO_MANIFEST_DIR"));
        if std::env::var("UPDATE_GENERATED").as_deref() == Ok("1") {
            std::fs::write(&path, wanted).unwrap_or_else(|e| panic!("{relative} is not writable: {e}"));
        }
        let found = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            found == wanted,
            "{relative} is not what the engine's rules render; run `UPDATE_GENERATED=1 make test T=rust`"
        );
    }

    #[test]
    fn the_dsl_rules_are_the_engines() {
        check_generated("dsl-ts/src/rules.generated.ts", &render());
        check_generated("dsl-ts/test/unit/slug-cases.generated.json", &render_slug_cases());
    }
}

/// Required by `cargo pgrx test`.
#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    pub fn postgresql_conf_options() -> Vec<&'static str> {
        vec![]
    }
}
