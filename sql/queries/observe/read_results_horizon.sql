-- args: run_id uuid
-- returns: horizon bigint
-- $1 run_id. read_results' first statement, run in a subtransaction that is then rolled back: takes
-- the run tree's lock exclusively (see lock_runs.sql), which waits for every answer, failure and
-- cancellation of the tree in flight (each takes a result_seq only while holding that lock, shared
-- or exclusively), and reads the last result_seq handed out while no such change is half done. Every
-- result_seq up to this horizon is then committed or rolled back, so a page read up to it in a
-- later snapshot has no gap that a later commit could fill: a cursor never skips a result. (Answers
-- to one step no longer commit in one order: they count on parts of the step, see step_parts in
-- schema.sql.) Rolling the subtransaction back releases the lock at once.
-- The sequence is read by a function, not as a table: on Citus the whole statement then runs on
-- the node that holds the run, whose sequence numbered its results (0 before its first number).
select coalesce(pg_sequence_last_value('pgflow.step_tasks_result_seq'), 0) as horizon
from (select count(pgflow_run_tree_lock(r.root_run_id)) as locked
        from pgflow.runs r where r.run_id = $1) l
