-- $1 run_ids, $2 step_slugs, $3 task_indexes, $4 error messages.
-- A NULL problem, a length problem, and how many answers the batch holds.
select pgflow.task_batch_null_problem($1, $2, $3, $4),
       pgflow.task_batch_length_problem($1, $2, $3, $4),
       cardinality($1)::bigint
