begin;
select plan(1);

select pgflow.create_flow('empty');
select row_eq($$ select status, output, remaining_steps from pgflow.start_flow('empty', '{}') $$,
  row('completed'::text, '{}'::jsonb, 0), 'a flow with no steps completes at once with {}');

select * from finish();
rollback;
