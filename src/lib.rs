//! pgflow: workflows with fan-out steps, run inside PostgreSQL.
//!
//! `api` holds the `#[pg_extern]` shims, grouped as the SQL functions are (definition, runs,
//! tasks); `engine` holds the logic they call; every query the engine runs is a file under
//! `sql/queries/`, prepared once per backend by `plans`.

use pgrx::prelude::*;

mod api;
mod engine;
mod error;
mod jsonb;
mod plans;
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

    #[pg_test]
    fn prepared_plans_survive_across_calls() {
        Spi::run("select pgflow.create_flow('kept')").unwrap();
        let again = Spi::get_one::<String>("select (pgflow.create_flow('kept')).flow_slug");
        assert_eq!(again, Ok(Some("kept".to_string())));
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
