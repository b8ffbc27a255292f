-- $1 run_id
select r from pgflow.runs r where r.run_id = $1
