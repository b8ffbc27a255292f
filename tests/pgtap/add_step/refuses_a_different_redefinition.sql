begin;
select plan(14);

-- The issue's case: fetch depended on list, and the edited flow has it depend on seed with five attempts.
select pgflow.create_flow('crawl');
select pgflow.add_step('crawl', 'list');
select pgflow.add_step('crawl', 'seed');
select pgflow.add_step('crawl', 'fetch', array['list'], max_attempts => 3);
select pgflow.add_step('crawl', 'pages', array['list'], step_type => 'fanout', fanout_policy => 'threshold',
                       success_threshold => 0.9, when_exhausted => 'skip', fanout_timeout => 60);
create temp table before as
  select (select jsonb_agg(to_jsonb(s) - 'created_at' order by step_slug) from pgflow.steps s) as steps,
         (select jsonb_agg(to_jsonb(d) - 'created_at' order by step_slug, dep_slug) from pgflow.deps d) as deps;

create function pg_temp.refusal(call text) returns text language plpgsql as $$
begin
  execute call;
  return 'accepted';
exception when duplicate_object then
  return regexp_replace(sqlerrm, ' \(nothing was changed.*$', '');
end
$$;

select is(pg_temp.refusal($$ select pgflow.add_step('crawl', 'fetch', array['seed'], max_attempts => 5) $$),
  'step ''fetch'' of flow ''crawl'' is already defined differently: deps {list} -> {seed}, max_attempts 3 -> 5',
  'new dependencies and a new option are both named');
select is(pg_temp.refusal($$ select pgflow.add_step('crawl', 'fetch', array['list', 'seed'], max_attempts => 3) $$),
  'step ''fetch'' of flow ''crawl'' is already defined differently: deps {list} -> {list, seed}', 'an added dependency');
select is(pg_temp.refusal($$ select pgflow.add_step('crawl', 'fetch', array['list']) $$),
  'step ''fetch'' of flow ''crawl'' is already defined differently: max_attempts 3 -> default', 'an option dropped back to the flow''s');
select is(pg_temp.refusal($$ select pgflow.add_step('crawl', 'fetch', array['list'], max_attempts => 3, base_delay => 2, timeout => 9, start_delay => 4, max_delay => 8) $$),
  'step ''fetch'' of flow ''crawl'' is already defined differently: base_delay default -> 2, timeout default -> 9, start_delay default -> 4, max_delay default -> 8',
  'each retry and timing option');
select is(pg_temp.refusal($$ select pgflow.add_step('crawl', 'fetch', array['list'], max_attempts => 3, step_type => 'fanout') $$),
  'step ''fetch'' of flow ''crawl'' is already defined differently: step_type single -> fanout', 'the step type');
select is(pg_temp.refusal($$ select pgflow.add_step('crawl', 'pages', array['list'], step_type => 'fanout', fanout_policy => 'collect_all', when_exhausted => 'skip', fanout_timeout => 60) $$),
  'step ''pages'' of flow ''crawl'' is already defined differently: fanout_policy threshold -> collect_all, success_threshold 0.9 -> none',
  'the fan-out policy and its threshold');
select is(pg_temp.refusal($$ select pgflow.add_step('crawl', 'pages', array['list'], step_type => 'fanout', fanout_policy => 'threshold', success_threshold => 0.75, when_exhausted => 'skip', fanout_timeout => 60) $$),
  'step ''pages'' of flow ''crawl'' is already defined differently: success_threshold 0.9 -> 0.75', 'the threshold alone');
select is(pg_temp.refusal($$ select pgflow.add_step('crawl', 'pages', array['list'], step_type => 'fanout', fanout_policy => 'threshold', success_threshold => 0.9, when_exhausted => 'skip-cascade', fanout_timeout => 60) $$),
  'step ''pages'' of flow ''crawl'' is already defined differently: when_exhausted skip -> skip-cascade', 'what a failure does to the run');
select is(pg_temp.refusal($$ select pgflow.add_step('crawl', 'pages', array['list'], step_type => 'fanout', fanout_policy => 'threshold', success_threshold => 0.9, when_exhausted => 'skip') $$),
  'step ''pages'' of flow ''crawl'' is already defined differently: fanout_timeout 60 -> none', 'the fan-out deadline');
select is(pg_temp.refusal($$ select pgflow.add_step('crawl', 'pages', array['list'], step_type => 'fanout', fanout_policy => 'threshold', success_threshold => 0.9, when_exhausted => 'skip', fanout_timeout => 60, aggregate => false) $$),
  'step ''pages'' of flow ''crawl'' is already defined differently: aggregate true -> false', 'aggregation');

select is(pg_temp.refusal($$ select pgflow.add_step('crawl', 'pages', array['list'], step_type => 'map', fanout_policy => 'threshold', success_threshold => 0.90, when_exhausted => 'skip', fanout_timeout => 60) $$),
  'accepted', 'the same definition passes, whatever the spelling (map for fanout, 0.90 for 0.9)');
select throws_ok($$ select pgflow.add_step('crawl', 'fetch', array['seed'], max_attempts => 5) $$, '42710', null,
  'a different definition raises duplicate_object');
select is((select jsonb_agg(to_jsonb(s) - 'created_at' order by step_slug) from pgflow.steps s), (select steps from before),
  'no refused call changed a step');
select is((select jsonb_agg(to_jsonb(d) - 'created_at' order by step_slug, dep_slug) from pgflow.deps d), (select deps from before),
  'nor a dependency');

select * from finish();
rollback;
