'use strict';
// A client's SET follows it and reaches nobody else. Client A sets search_path and
// statement_timeout outside a transaction; then, turn about, client B (its own connection)
// reads both and must always see what it saw before A's SET, and client A reads both in a
// transaction and must always see its own values. At the end both sleep longer than A's
// statement_timeout: A's sleep must be cancelled, B's must complete. Env: ROUNDS (50).
//
// Result: {rounds, expectedA: {...},
//          a: {searchPath, statementTimeout, currentSchema: {value: count}, serverPids, sleep},
//          b: {baseline: {...}, searchPath, statementTimeout, currentSchema, serverPids, sleep},
//          asyncErrors, ok, failures}

const { intFromEnv, connect, tally, finish, main } = require('./lib');

const A_SEARCH_PATH = 'a_schema, public';
const A_STATEMENT_TIMEOUT = '1234ms';

async function scalar(client, sql) {
  const res = await client.query({ text: sql, rowMode: 'array' });
  return res.rows[0][0];
}

/** What a client reads each time, one statement each, and the server it read the first on. */
async function read(client) {
  return {
    pid: await scalar(client, 'SELECT pg_backend_pid()'),
    searchPath: await scalar(client, 'SHOW search_path'),
    statementTimeout: await scalar(client, 'SHOW statement_timeout'),
    currentSchema: await scalar(client, 'SELECT current_schema()'),
  };
}

/** Sleeps 1.5 s, past A's statement_timeout: 'completed', or what stopped it. */
async function sleep(client) {
  try {
    await client.query('SELECT pg_sleep(1.5)');
    return 'completed';
  } catch (err) {
    return `error ${err.code}: ${err.message}`;
  }
}

main(async () => {
  const rounds = intFromEnv('ROUNDS', 50);
  const explicitTransactions = intFromEnv('EXPLICIT_TRANSACTIONS', 1) !== 0;
  const asyncErrors = [];
  const failures = [];
  const a = await connect('state-a', asyncErrors);
  const b = await connect('state-b', asyncErrors);
  const seenByA = { searchPath: {}, statementTimeout: {}, currentSchema: {} };
  const seenByB = { searchPath: {}, statementTimeout: {}, currentSchema: {} };
  try {
    const { pid: _, ...baseline } = await read(b);
    seenByB.baseline = baseline;

    // So that current_schema() names it once it is on A's search_path.
    await a.query('CREATE SCHEMA IF NOT EXISTS a_schema');
    await a.query(`SET search_path TO ${A_SEARCH_PATH}`);
    await a.query(`SET statement_timeout TO '${A_STATEMENT_TIMEOUT}'`);
    const expectedA = { searchPath: A_SEARCH_PATH, statementTimeout: A_STATEMENT_TIMEOUT, currentSchema: 'a_schema' };

    const aPids = new Set();
    const bPids = new Set();
    for (let r = 0; r < rounds; r++) {
      // Even rounds: B reads right after A, one statement at a time; in transaction mode it
      // gets the server A just gave back. Odd rounds: B holds that server in a transaction
      // while A reads, so in transaction mode A runs on the other server.
      const bHolds = explicitTransactions && r % 2 === 1;
      if (bHolds) {
        await b.query('BEGIN');
      }
      const bSaw = await read(b);
      if (explicitTransactions) {
        await a.query('BEGIN');
      }
      const aSaw = await read(a);
      if (explicitTransactions) {
        await a.query('COMMIT');
      }
      if (bHolds) {
        await b.query('COMMIT');
      }
      aPids.add(aSaw.pid);
      bPids.add(bSaw.pid);
      for (const key of Object.keys(expectedA)) {
        tally(seenByB[key], bSaw[key]);
        tally(seenByA[key], aSaw[key]);
        if (bSaw[key] !== baseline[key]) {
          failures.push(`round ${r}: B saw ${key} = '${bSaw[key]}', expected its own '${baseline[key]}'`);
        }
        if (aSaw[key] !== expectedA[key]) {
          failures.push(`round ${r}: A saw ${key} = '${aSaw[key]}', expected its own '${expectedA[key]}'`);
        }
      }
    }
    seenByA.serverPids = [...aPids].sort((x, y) => x - y);
    seenByB.serverPids = [...bPids].sort((x, y) => x - y);

    seenByA.sleep = await sleep(a);
    seenByB.sleep = await sleep(b);
    if (!seenByA.sleep.startsWith('error 57014')) {
      failures.push(`A's pg_sleep(1.5) under statement_timeout ${A_STATEMENT_TIMEOUT}: ${seenByA.sleep}, expected error 57014`);
    }
    if (seenByB.sleep !== 'completed') {
      failures.push(`B's pg_sleep(1.5) without statement_timeout: ${seenByB.sleep}, expected completed`);
    }
    asyncErrors.forEach((e) => failures.push(e));
    finish({ rounds, explicitTransactions, expectedA, a: seenByA, b: seenByB, asyncErrors }, failures);
  } finally {
    await Promise.allSettled([a.end(), b.end()]);
  }
});
