import { Flow } from '../src/index.js';

/** numbers (one task: makes the list) -> square (fan-out: one task per number) -> total */
export const squares = new Flow<{ count: number }>({ slug: 'squares', maxAttempts: 3, baseDelay: 1, timeout: 30 })
  .step({ slug: 'numbers' }, ({ run }) => Array.from({ length: run.count }, (_, i) => i + 1))
  .map({ slug: 'square', array: 'numbers' }, (n) => n * n)
  .step({ slug: 'total', dependsOn: ['square'] }, ({ square }) => ({
    count: square.length,
    sum: square.reduce((sum, n) => sum + n, 0),
  }));
