'use strict';
// An explicit transaction as node-postgres users write one: BEGIN, INSERT, SAVEPOINT, a
// statement that fails, ROLLBACK TO SAVEPOINT, INSERT, COMMIT; then a transaction that is
// rolled back; then what was committed is read back. The table (env TABLE, one int column
// n) must exist and be empty. Statement pooling refuses the transaction block and closes
// the connection: the script then reports the error that ended it and checks nothing more.
// Env: TABLE (nodepg_tx).
//
// Result: {table, committed: [n, ...] | null, error: {code, message} | null, asyncErrors, ok, failures}

const { connect, finish, main } = require('./lib');

main(async () => {
  const table = process.env.TABLE || 'nodepg_tx';
  const asyncErrors = [];
  const failures = [];
  const result = { table, committed: null, error: null };
  const client = await connect('transaction', asyncErrors);
  try {
    await client.query('BEGIN');
    await client.query(`INSERT INTO ${table} VALUES (1)`);
    await client.query('SAVEPOINT before_error');
    try {
      await client.query('SELECT 1/0');
      failures.push('SELECT 1/0 did not fail');
    } catch (err) {
      if (err.code !== '22012') {
        throw err;
      }
    }
    await client.query('ROLLBACK TO SAVEPOINT before_error');
    await client.query(`INSERT INTO ${table} VALUES (3)`);
    await client.query('COMMIT');

    await client.query('BEGIN');
    await client.query(`INSERT INTO ${table} VALUES (99)`);
    await client.query('ROLLBACK');

    const rows = await client.query({ text: `SELECT n FROM ${table} ORDER BY n`, rowMode: 'array' });
    result.committed = rows.rows.map((r) => r[0]);
    if (JSON.stringify(result.committed) !== '[1,3]') {
      failures.push(`committed rows ${JSON.stringify(result.committed)}, expected [1,3]`);
    }
    asyncErrors.forEach((e) => failures.push(e));
  } catch (err) {
    result.error = { code: err.code || null, message: err.message };
  } finally {
    await client.end().catch(() => {});
  }
  result.asyncErrors = asyncErrors;
  finish(result, failures);
});
