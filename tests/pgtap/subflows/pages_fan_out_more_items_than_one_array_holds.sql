-- More items than one JSON array holds (a jsonb value stops at 256 MB: about 15 million small
-- items, fewer big ones; a step's aggregated output too) fan out in pages, as the README says:
-- the run's input lists pages, a sub-flow fan-out runs one child per page, and each child loads its
-- page's items, fans out over them and reduces them to a summary. No array anywhere holds more than
-- a page, and the pages' summaries come back in page order. Here 20 pages of 500 items.
begin;
select plan(5);

select pgflow.create_flow('page');
select pgflow.add_step('page', 'load');                                      -- its page's items
select pgflow.add_step('page', 'each', array['load'], step_type => 'fanout'); -- one task per item
select pgflow.add_step('page', 'summary', array['each']);                    -- the page reduced
select pgflow.create_flow('catalog');
select pgflow.add_step('catalog', 'pages', step_type => 'fanout', subflow => 'page');
select pgflow.add_step('catalog', 'total', array['pages']);
select run_id as root from pgflow.start_flow('catalog',
  (select jsonb_agg(jsonb_build_object('first', p * 500, 'size', 500) order by p) from generate_series(0, 19) p)) \gset

-- A worker loop over both flows: load returns the page's item numbers, each doubles its item,
-- summary adds its page's outputs, total adds the pages' summaries.
create function pg_temp.work() returns int language plpgsql as $$
declare
  task pgflow.step_task_record;
  answered int := 0;
begin
  loop
    exit when not exists (select from pgflow.step_tasks where status = 'queued' and visible_at <= clock_timestamp());
    for task in select * from pgflow.poll_for_tasks('catalog', 30, 100, 0)
                union all select * from pgflow.poll_for_tasks('page', 30, 1000, 0) loop
      perform pgflow.complete_task(task.run_id, task.step_slug, task.task_index, case task.step_slug
        when 'load' then (select jsonb_agg(i) from generate_series((task.input #>> '{run,first}')::int,
                                                                   (task.input #>> '{run,first}')::int + (task.input #>> '{run,size}')::int - 1) i)
        when 'each' then to_jsonb((task.input ->> 'item')::bigint * 2)
        when 'summary' then (select to_jsonb(sum(e::bigint)) from jsonb_array_elements_text(task.input -> 'each') e)
        when 'total' then (select to_jsonb(sum((p ->> 'summary')::bigint)) from jsonb_array_elements(task.input -> 'pages') p)
      end);
      answered := answered + 1;
    end loop;
  end loop;
  return answered;
end $$;

select is(pg_temp.work(), 20 * (1 + 500 + 1) + 1, 'every task of the tree is answered once: 10,000 items in 20 pages');
select is((pgflow_tests.run(:'root')).status, 'completed', 'the run completes');
select is((pgflow_tests.run(:'root')).output, jsonb_build_object('total', (select sum(2 * i) from generate_series(0, 9999) i)),
  'its total counts every item once');
select is((pgflow_tests.step(:'root', 'pages')).output,
          (select jsonb_agg(jsonb_build_object('summary', (select sum(2 * i) from generate_series(p * 500, p * 500 + 499) i)) order by p)
             from generate_series(0, 19) p),
          'the pages'' summaries, in page order');
select is((select max(jsonb_array_length(ss.output)) from pgflow.step_states ss
            join pgflow.runs r on r.run_id = ss.run_id
           where r.root_run_id = :'root' and jsonb_typeof(ss.output) = 'array'), 500,
          'no step''s output holds more than a page');

select * from finish();
rollback;
