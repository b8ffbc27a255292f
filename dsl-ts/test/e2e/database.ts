import postgres, { type Sql } from 'postgres';

/**
 * The database the end-to-end tests use: PGFLOW_TEST_DATABASE_URL, a database with the extension
 * installed (scripts/test.sh creates one on its private cluster). Missing, the suite fails rather
 * than skipping: a skipped end-to-end test proves nothing.
 */
export function databaseUrl(): string {
  const url = process.env['PGFLOW_TEST_DATABASE_URL'];
  if (url === undefined || url === '') {
    throw new Error('PGFLOW_TEST_DATABASE_URL is not set: run the end-to-end tests through scripts/test.sh');
  }
  return url;
}

export function connect(): Sql {
  return postgres(databaseUrl(), { max: 2, onnotice: () => {} });
}
