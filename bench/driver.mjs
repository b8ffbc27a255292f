// The bench's worker: the worker protocol (docs/worker-protocol.md) at its barest, raw SQL on one
// connection with one batch in hand. The grid measures the engine through it, and the conformance
// scenarios (tests/conformance/scenarios.json) run against it as against the shipped workers
// (dsl-ts/test/e2e/conformance.test.ts), so that what the bench measures is a worker that passes
// them.
//
// It claims with poll_for_tasks only while it holds nothing; otherwise it answers its batch and
// claims the next in one call and one commit (complete_tasks_and_poll). Failed tasks are answered
// with one fail_tasks. A task of a step in `answerAlone` is answered with complete_task and
// nothing else, so that what its answer causes (the spawn of a fan-out) is timed alone.
//
//   sql        a postgres.js connection of its own
//   run(task)  the task's output ({run_id, step_slug, task_index, input}); a throw fails the task
//   stopped()  true ends the loop (checked before each call)
//   answered(tasks, startedAt)  told of each batch answered, with performance.now() before the call
export async function rawWorker({
  sql,
  flowSlug,
  batchSize,
  run,
  stopped,
  answered = () => {},
  answerAlone = [],
  lease = 60,
  maxPollSeconds = 1,
}) {
  let tasks = [];
  while (!stopped()) {
    if (tasks.length === 0) {
      tasks = await sql`
        select run_id, step_slug, task_index, input
        from pgflow.poll_for_tasks(${flowSlug}, ${lease}, ${batchSize}, ${maxPollSeconds}, 5)`;
      continue;
    }
    const done = [];
    const failed = [];
    for (const task of tasks) {
      try {
        done.push({ task, output: run(task) });
      } catch (error) {
        failed.push({ task, message: String(error?.message ?? error) });
      }
    }
    const startedAt = performance.now();
    let next = [];
    if (failed.length > 0) {
      const keys = failed.map((f) => f.task);
      await sql`
        select 1 from pgflow.fail_tasks(
          ${sql.array(keys.map((t) => t.run_id))}::uuid[], ${sql.array(keys.map((t) => t.step_slug))}::text[],
          ${sql.array(keys.map((t) => t.task_index))}::int[], ${sql.array(failed.map((f) => f.message))}::text[])`;
    }
    const alone = done.filter((d) => answerAlone.includes(d.task.step_slug));
    for (const { task, output } of alone) {
      await sql`select 1 from pgflow.complete_task(${task.run_id}, ${task.step_slug}, ${task.task_index}, ${sql.json(output)})`;
    }
    const batch = done.filter((d) => !answerAlone.includes(d.task.step_slug));
    if (batch.length > 0) {
      next = await sql`
        select run_id, step_slug, task_index, input
        from pgflow.complete_tasks_and_poll(
          ${sql.array(batch.map((d) => d.task.run_id))}::uuid[],
          ${sql.array(batch.map((d) => d.task.step_slug))}::text[],
          ${sql.array(batch.map((d) => d.task.task_index))}::int[],
          ${sql.array(batch.map((d) => JSON.stringify(d.output)))}::jsonb[],
          ${flowSlug}, ${lease}, ${batchSize})`;
    }
    answered(tasks, startedAt);
    tasks = next;
  }
}
