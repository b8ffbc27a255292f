begin;
select plan(2);

select pgflow_tests.flow_fanout();
select run_id as run from pgflow.start_flow('fan', '{"big": "input"}') \gset
select pgflow.complete_task(:'run', 'list', 0, '[{"url": "a"}, null, [1, 2], "s"]') from pgflow_tests.poll('fan');

select results_eq(
  $$ select task_index, input from pgflow_tests.poll('fan') order by task_index $$,
  $$ values (0, '{"item": {"url": "a"}}'::jsonb), (1, '{"item": null}'::jsonb),
            (2, '{"item": [1, 2]}'::jsonb), (3, '{"item": "s"}'::jsonb) $$,
  'a fan-out task gets only its element, JSON null included');
select ok((select bool_and(item is not null) from pgflow.step_tasks where step_slug = 'fetch'),
  'each fan-out task stores its own element, so a claim never reads the whole array');

select * from finish();
rollback;
