/** How the functions that talk to the database get a connection. */
import postgres, { type Sql } from 'postgres';

export interface ConnectionOptions {
  /** Where to connect (a connection is opened and closed for the call)... */
  readonly connectionString?: string;
  /** ...or a client of the caller's. */
  readonly sql?: Sql;
}

/** Opens a client for one call (or lends the caller's), and closes it after. */
export async function openClient(options: ConnectionOptions): Promise<{ sql: Sql; close: () => Promise<void> }> {
  if ((options.sql === undefined) === (options.connectionString === undefined)) {
    throw new TypeError('give exactly one of connectionString or sql');
  }
  if (options.sql !== undefined) return { sql: options.sql, close: async () => {} };
  const sql = postgres(options.connectionString as string, { max: 1, onnotice: () => {} });
  return { sql, close: () => sql.end({ timeout: 5 }) };
}

export async function withClient<T>(options: ConnectionOptions, body: (sql: Sql) => Promise<T>): Promise<T> {
  const { sql, close } = await openClient(options);
  try {
    return await body(sql);
  } finally {
    await close();
  }
}
