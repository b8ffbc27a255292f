-- $1 run_ids, $2 step_slugs, $3 task_indexes, $4 outputs or error messages (prepared once per
-- type of the fourth array). A NULL problem, a length problem, and how many answers it holds.
select pgflow.task_batch_null_problem($1, $2, $3, $4) as null_problem,
       pgflow.task_batch_length_problem($1, $2, $3, $4) as length_problem,
       cardinality($1)::bigint as answers
