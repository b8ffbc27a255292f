-- args: run_id uuid
-- returns: nothing
-- $1 run_id. Cancels every task of the run still queued or running, so that nothing of it is
-- claimed or completed any more. The caller holds the run's lock, so no answer of the run is in
-- flight; a claim holding one of the tasks is waited for.
update pgflow.step_tasks t
set status = 'cancelled', result_seq = nextval('pgflow.step_tasks_result_seq')
where t.run_id = $1 and t.status in ('queued', 'started')
