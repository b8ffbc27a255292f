-- Fixtures shared by the pgTAP files: flow shapes and small worker loops, in a schema of their own.
-- Loaded once into the test database; every test file runs in a transaction it rolls back.
create schema pgflow_tests;

-- first -> second -> third
create function pgflow_tests.flow_chain() returns void language sql as $$
  select pgflow.create_flow('chain');
  select pgflow.add_step('chain', 'first');
  select pgflow.add_step('chain', 'second', array['first']);
  select pgflow.add_step('chain', 'third', array['second']);
$$;

-- top -> (left, right) -> bottom
create function pgflow_tests.flow_diamond() returns void language sql as $$
  select pgflow.create_flow('diamond');
  select pgflow.add_step('diamond', 'top');
  select pgflow.add_step('diamond', 'left_side', array['top']);
  select pgflow.add_step('diamond', 'right_side', array['top']);
  select pgflow.add_step('diamond', 'bottom', array['left_side', 'right_side']);
$$;

-- list -> fetch (fan-out over list) -> save
create function pgflow_tests.flow_fanout(max_attempts int default 3, base_delay int default 1)
returns void language sql as $$
  select pgflow.create_flow('fan', max_attempts => max_attempts, base_delay => base_delay);
  select pgflow.add_step('fan', 'list');
  select pgflow.add_step('fan', 'fetch', array['list'], step_type => 'fanout');
  select pgflow.add_step('fan', 'save', array['fetch']);
$$;

-- items (fan-out over the run input) -> total
create function pgflow_tests.flow_root_fanout() returns void language sql as $$
  select pgflow.create_flow('root');
  select pgflow.add_step('root', 'items', step_type => 'fanout');
  select pgflow.add_step('root', 'total', array['items']);
$$;

-- list -> outer_map (fan-out over list) -> inner_map (fan-out over outer_map) -> done
create function pgflow_tests.flow_two_fanouts() returns void language sql as $$
  select pgflow.create_flow('twofan');
  select pgflow.add_step('twofan', 'list');
  select pgflow.add_step('twofan', 'outer_map', array['list'], step_type => 'fanout');
  select pgflow.add_step('twofan', 'inner_map', array['outer_map'], step_type => 'fanout');
  select pgflow.add_step('twofan', 'done', array['inner_map']);
$$;

-- Claims without waiting, with a 30 s lease.
create function pgflow_tests.poll(flow_slug text, qty int default 100)
returns setof pgflow.step_task_record language sql as $$
  select * from pgflow.poll_for_tasks(flow_slug, 30, qty, 0);
$$;

create function pgflow_tests.task(p_run_id uuid, p_step_slug text, p_task_index int default 0)
returns pgflow.step_tasks language sql as $$
  select * from pgflow.step_tasks
  where run_id = p_run_id and step_slug = p_step_slug and task_index = p_task_index;
$$;

create function pgflow_tests.step(p_run_id uuid, p_step_slug text)
returns pgflow.step_states language sql as $$
  select * from pgflow.step_states where run_id = p_run_id and step_slug = p_step_slug;
$$;

create function pgflow_tests.run(p_run_id uuid)
returns pgflow.runs language sql as $$
  select * from pgflow.runs where run_id = p_run_id;
$$;

-- A worker loop in SQL: claims up to `batch` tasks at a time and completes each fan-out task with
-- {"done": <item>}, until nothing is claimable. Returns how many tasks it completed.
create function pgflow_tests.drain_fanout(p_flow_slug text, batch int default 1000)
returns int language plpgsql as $$
declare
  task pgflow.step_task_record;
  completed int := 0;
  claimed int;
begin
  loop
    claimed := 0;
    for task in select * from pgflow.poll_for_tasks(p_flow_slug, 30, batch, 0) loop
      perform pgflow.complete_task(task.run_id, task.step_slug, task.task_index,
                                   jsonb_build_object('done', task.input -> 'item'));
      claimed := claimed + 1;
    end loop;
    exit when claimed = 0;
    completed := completed + claimed;
  end loop;
  return completed;
end;
$$;

-- Runs a statement as another role and returns each row as jsonb; an error inside undoes the role
-- switch with the rest of the failed statement.
create function pgflow_tests.as_role(role_name text, query text)
returns setof jsonb language plpgsql as $$
begin
  execute format('set local role %I', role_name);
  return query execute format('select to_jsonb(q) from (%s) q', query);
  reset role;
end;
$$;

-- Runs a statement that returns nothing (DDL, DML) as another role.
create function pgflow_tests.exec_as(role_name text, statement text)
returns void language plpgsql as $$
begin
  execute format('set local role %I', role_name);
  execute statement;
  reset role;
end;
$$;

-- items (a fan-out over the run input, one attempt per task, with the given failure options)
-- -> total. Failures: see answer_items.
create function pgflow_tests.flow_items(
  fanout_policy text default 'fail_fast', success_threshold numeric default null,
  when_exhausted text default 'fail', fanout_timeout int default null)
returns void language sql as $$
  select pgflow.create_flow('items', max_attempts => 1);
  select pgflow.add_step('items', 'items', step_type => 'fanout', fanout_policy => fanout_policy,
                         success_threshold => success_threshold, when_exhausted => when_exhausted,
                         fanout_timeout => fanout_timeout);
  select pgflow.add_step('items', 'total', array['items']);
$$;

-- A sub-flow fan-out: flow 'parent', whose fan-out step 'each' starts a run of flow 'child' (one
-- step, 'work', one attempt) for each item.
create function pgflow_tests.flow_subflow(
  parent_attempts int default 1, fanout_policy text default 'collect_all')
returns void language sql as $$
  select pgflow.create_flow('child', max_attempts => 1);
  select pgflow.add_step('child', 'work');
  select pgflow.create_flow('parent', max_attempts => parent_attempts);
  select pgflow.add_step('parent', 'each', step_type => 'fanout', subflow => 'child', fanout_policy => fanout_policy);
$$;

-- Claims every claimable task of the flow and answers each fan-out task: the ones whose index is
-- in `failing` fail with 'item <i> is broken', the others complete with item * 10. Returns how
-- many tasks it answered.
create function pgflow_tests.answer_items(p_flow_slug text, failing int[] default '{}')
returns int language plpgsql as $$
declare
  task pgflow.step_task_record;
  answered int := 0;
begin
  for task in select * from pgflow.poll_for_tasks(p_flow_slug, 30, 100000, 0) loop
    if task.task_index = any (failing) then
      perform pgflow.fail_task(task.run_id, task.step_slug, task.task_index, format('item %s is broken', task.task_index));
    else
      perform pgflow.complete_task(task.run_id, task.step_slug, task.task_index, to_jsonb((task.input ->> 'item')::int * 10));
    end if;
    answered := answered + 1;
  end loop;
  return answered;
end;
$$;
