-- $1 run_id. The steps of a cancelled run that had not finished are cancelled too.
update pgflow.step_states
set status = 'cancelled'
where run_id = $1 and status in ('created', 'started')
