\echo Use "ALTER EXTENSION pgflow UPDATE TO '0.6.0'" to load this file. \quit
-- pgflow 0.5.0 -> 0.6.0: many workers on one fan-out.
-- Fixes: every answer to a step updated that step's step_states row and held it to its commit, so
-- workers answering one fan-out one task at a time waited for each other (with 4 workers a third
-- of their time). A fan-out of 64 tasks or more (not a sub-flow one) now counts its items in 16 parts (step_parts, by
-- task_index mod 16), and only the answer that ends a part's last item counts on the step's row.
-- progress, run_tree, the summary of an aggregate-false fan-out, verify_run, repair_run and redrive_run read
-- and keep the parts. Answers to one step so no longer commit in the order of their result_seq:
-- read_results now waits for the run's changes in flight and reads up to the last result_seq
-- handed out then (it is VOLATILE, and refuses a REPEATABLE READ or SERIALIZABLE transaction).
-- Runs in flight carry on: their steps have no parts and count on their rows, as before.

create table pgflow.step_parts (
  run_id    uuid not null,
  step_slug text not null,
  part      int not null,
  remaining int not null,
  completed int not null default 0,
  constraint step_parts_pkey primary key (run_id, step_slug, part),
  constraint step_parts_remaining_nonnegative check (remaining >= 0)
);
alter table pgflow.step_parts set (fillfactor = 50, autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);
select pg_catalog.pg_extension_config_dump('pgflow.step_parts', '');
grant select, insert, update, delete on pgflow.step_parts to pgflow_admin;

alter function pgflow.read_results(uuid, text, bigint, int) volatile parallel unsafe;
