/**
 * The control database as the rest of buckfleet sees it: one method, a parameterised query
 * (pg-boss's `IDatabase`). A pg `Pool` and a checked-out `PoolClient` both fit, and so does
 * the reconciler's `Queryable`; tests can pass a recorder.
 */
export interface Db {
  query<R extends Record<string, unknown> = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<{ rows: R[]; rowCount?: number | null }>;
}

/** A pool that lends one connection at a time: what a transaction needs. */
export interface TxPool {
  connect(): Promise<Db & { release(destroy?: boolean | Error): void }>;
}

/**
 * Runs `fn` in a transaction on one connection of `pool` (porsager/postgres's `begin`): COMMIT
 * when it resolves, ROLLBACK when it throws, and the error is rethrown as it was, so callers can
 * branch on its SQLSTATE `code`. If the ROLLBACK itself fails the connection is broken: it is
 * handed back with that error, which makes pg discard it (the server aborts the transaction
 * when the session ends), and the original error is still the one thrown.
 */
export async function transaction<T>(pool: TxPool, fn: (db: Db) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    }
    throw error;
  } finally {
    client.release(broken);
  }
}
