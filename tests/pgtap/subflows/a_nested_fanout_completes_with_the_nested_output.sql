begin;
select plan(10);

-- category -> products (a fan-out of product runs) -> variants (each a fan-out of variant runs).
select pgflow.create_flow('variant');
select pgflow.add_step('variant', 'price');
select pgflow.create_flow('product');
select pgflow.add_step('product', 'variants', step_type => 'fanout', fanout_path => 'variants', subflow => 'variant');
select pgflow.add_step('product', 'summary', array['variants']);
select pgflow.create_flow('category');
select pgflow.add_step('category', 'list');
select pgflow.add_step('category', 'products', array['list'], step_type => 'fanout', subflow => 'product');
select run_id as root from pgflow.start_flow('category', '{"name": "shoes"}') \gset

-- A worker loop over the three flows: list -> two products of 2 and 1 variants; each price is the
-- variant's size * 10; each summary returns its variants' outputs.
create function pg_temp.work() returns int language plpgsql as $$
declare
  task pgflow.step_task_record;
  answered int := 0;
begin
  loop
    exit when not exists (select from pgflow.step_tasks where status = 'queued' and visible_at <= clock_timestamp());
    for task in select * from pgflow.poll_for_tasks('category', 30, 100, 0)
                union all select * from pgflow.poll_for_tasks('product', 30, 100, 0)
                union all select * from pgflow.poll_for_tasks('variant', 30, 100, 0) loop
      perform pgflow.complete_task(task.run_id, task.step_slug, task.task_index, case task.step_slug
        when 'list' then '[{"sku": "a", "variants": [{"size": 1}, {"size": 2}]}, {"sku": "b", "variants": [{"size": 3}]}]'
        when 'price' then to_jsonb(((task.input -> 'run' ->> 'size')::int * 10))
        when 'summary' then task.input -> 'variants'
      end);
      answered := answered + 1;
    end loop;
  end loop;
  return answered;
end $$;

select is((select count(*)::int from pgflow.runs where root_run_id = :'root'), 1, 'before list answers, the tree is the root alone');
select is((select count(*)::int from pgflow_tests.poll('product')), 0, 'and no product run exists to claim');
select pg_temp.work();

select is((pgflow_tests.run(:'root')).status, 'completed', 'the three-level run completes');
select is((pgflow_tests.step(:'root', 'products')).output,
  '[{"summary": [{"price": 10}, {"price": 20}]}, {"summary": [{"price": 30}]}]'::jsonb,
  'with the nested outputs: each product run''s output in item order, each holding its variant runs'' in order');
select is((select count(*)::int from pgflow.runs where root_run_id = :'root'), 6, 'one run per product and per variant');
select results_eq(format($$ select depth, flow_slug, status, parent_step_slug, parent_task_index, total_tasks, completed_tasks
                           from pgflow.run_tree(%L) $$, :'root'),
  $$ values (0, 'category', 'completed', null::text, null::int, 3::bigint, 3::bigint),
            (1, 'product', 'completed', 'products', 0, 3, 3),
            (2, 'variant', 'completed', 'variants', 0, 1, 1),
            (2, 'variant', 'completed', 'variants', 1, 1, 1),
            (1, 'product', 'completed', 'products', 1, 2, 2),
            (2, 'variant', 'completed', 'variants', 0, 1, 1) $$,
  'run_tree lists the tree depth first in task order, each run with its items');
select is((select count(*)::int from pgflow.run_tree(:'root') t join pgflow.runs r on r.run_id = t.run_id
            where r.root_run_id = :'root' and (t.depth = 0) = (t.parent_run_id is null)), 6,
  'each run names its parent and its tree''s root');
select throws_ok($$ select * from pgflow.run_tree('00000000-0000-0000-0000-000000000000') $$, 'P0002',
  'run 00000000-0000-0000-0000-000000000000 does not exist', 'run_tree of an unknown run is refused');
select is((select count(*)::int from pgflow.step_tasks where flow_slug = 'category' and step_slug = 'products'
            and worker_id in (select run_id from pgflow.runs where parent_run_id = :'root')), 2,
  'each sub-flow task was held by its child run');
select is(pgflow.flow_shape('category') -> 'steps' -> 1 ->> 'subflow', 'product', 'the shape carries the sub-flow');

select * from finish();
rollback;
