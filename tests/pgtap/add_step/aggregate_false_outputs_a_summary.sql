begin;
select plan(7);

-- items (a fan-out over the run input, aggregate false, collect_all) -> report (gets the summary)
select pgflow.create_flow('big', max_attempts => 1);
select pgflow.add_step('big', 'items', step_type => 'fanout', fanout_policy => 'collect_all', aggregate => false);
select pgflow.add_step('big', 'report', array['items']);
select is((select aggregate from pgflow.steps where flow_slug = 'big' and step_slug = 'items'), false, 'the option is stored');

select run_id as run from pgflow.start_flow('big', '[1, 2, 3, 4]') \gset
select pgflow_tests.answer_items('big', array[2]);
select is((select output from pgflow.step_states where run_id = :'run' and step_slug = 'items'),
          '{"total": 4, "completed": 3, "failed": 1}'::jsonb, 'the fan-out''s output is a summary, not an array');
select is((select input -> 'items' from pgflow.poll_for_tasks('big', 30, 1, 0)),
          '{"total": 4, "completed": 3, "failed": 1}'::jsonb, 'its dependent gets the summary');
select is(array(select output::text from pgflow.read_results(:'run', 'items') where status = 'completed' order by task_index),
          array['10', '20', '40'], 'and reads the items with read_results');
select is_empty(format($$ select * from pgflow.verify_run(%L) $$, :'run'), 'the run is consistent');

select throws_ok($$ select pgflow.add_step('big', 'one', aggregate => false) $$, '22023',
  'step ''one'' of flow ''big'': aggregate false needs a fan-out step; a single step''s output is its task''s',
  'a single step cannot do without aggregation');
select throws_ok($$ select pgflow.add_step('big', 'again', array['items'], step_type => 'fanout') $$, '22023',
  'step ''again'' of flow ''big'' cannot fan out over step ''items'', whose output is a summary (aggregate false); read its items with read_results',
  'a fan-out cannot fan out over a summary');

select * from finish();
rollback;
