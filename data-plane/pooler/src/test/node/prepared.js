'use strict';
// Named prepared statements from many clients at once, as node-postgres makes them: the
// first run of a {name, text, values} query sends Parse with that name, later runs on the
// same connection only Bind/Execute, trusting the statement is still there.
//
// Each client uses four names:
//   q_add          same name and text in every client
//   q_concat       same name and text in every client, two parameters
//   q_own          same name in every client, but a text of its own (legal: statement
//                  names belong to a connection), so running another client's q_own
//                  gives a wrong row
//   q_client_<i>   a name only this client uses, with q_add's text
// and checks every row. Every fifth iteration runs inside BEGIN … COMMIT unless
// EXPLICIT_TRANSACTIONS=0 (statement pooling refuses transaction blocks).
// Env: CLIENTS (20), ITERATIONS (200), EXPLICIT_TRANSACTIONS (1).
//
// Result: {clients, iterations, explicitTransactions, queries, correct, wrong, errors, errorMessages: {message: count},
//          wrongSamples: [...], asyncErrors: [...], ok, failures}

const { intFromEnv, connect, tally, finish, main } = require('./lib');

const ADD = 'SELECT $1::int + 1 AS v';
const CONCAT = "SELECT $1::text || '-' || $2::text AS v";

function statements(i) {
  return [
    { name: 'q_add', text: ADD, values: (n) => [n], expect: (n) => n + 1 },
    { name: 'q_concat', text: CONCAT, values: (n) => [`c${i}`, n], expect: (n) => `c${i}-${n}` },
    // The client's number is in the text, so another client's q_own answers differently.
    { name: 'q_own', text: `SELECT $1::text || '@client${i}' AS v`, values: (n) => [n], expect: (n) => `${n}@client${i}` },
    { name: `q_client_${i}`, text: ADD, values: (n) => [n], expect: (n) => n + 1 },
  ];
}

async function runClient(i, iterations, explicitTransactions, totals, asyncErrors) {
  const client = await connect(`prepared-${i}`, asyncErrors);
  try {
    const mine = statements(i);
    for (let it = 0; it < iterations; it++) {
      // Every fifth iteration runs inside an explicit transaction.
      const inTransaction = explicitTransactions && it % 5 === 4;
      let aborted = false;
      if (inTransaction) {
        await client.query('BEGIN');
      }
      for (const s of mine) {
        const n = i * 100000 + it;
        totals.queries++;
        try {
          const res = await client.query({ name: s.name, text: s.text, values: s.values(n) });
          const got = res.rows.length === 1 ? res.rows[0].v : undefined;
          if (res.rows.length === 1 && got === s.expect(n)) {
            totals.correct++;
          } else {
            totals.wrong++;
            if (totals.wrongSamples.length < 10) {
              totals.wrongSamples.push(`client ${i} ${s.name}(${n}): expected ${JSON.stringify(s.expect(n))}, `
                + `got ${JSON.stringify(res.rows)}`);
            }
          }
        } catch (err) {
          totals.errors++;
          tally(totals.errorMessages, `${s.name}: ${err.message}`);
          if (inTransaction) {
            // The transaction is aborted: roll it back and go on with the next iteration.
            await client.query('ROLLBACK');
            aborted = true;
            break;
          }
        }
      }
      if (inTransaction && !aborted) {
        await client.query('COMMIT');
      }
    }
  } finally {
    await client.end().catch(() => {});
  }
}

main(async () => {
  const clients = intFromEnv('CLIENTS', 20);
  const iterations = intFromEnv('ITERATIONS', 200);
  const explicitTransactions = intFromEnv('EXPLICIT_TRANSACTIONS', 1) !== 0;
  const totals = { queries: 0, correct: 0, wrong: 0, errors: 0, errorMessages: {}, wrongSamples: [] };
  const asyncErrors = [];
  const runs = [];
  for (let i = 1; i <= clients; i++) {
    runs.push(runClient(i, iterations, explicitTransactions, totals, asyncErrors));
  }
  const outcomes = await Promise.allSettled(runs);
  const failures = [];
  outcomes.filter((o) => o.status === 'rejected')
    .forEach((o) => failures.push(`a client stopped: ${o.reason && o.reason.message}`));
  if (totals.errors > 0) {
    failures.push(`${totals.errors} of ${totals.queries} queries failed: ${JSON.stringify(totals.errorMessages)}`);
  }
  if (totals.wrong > 0) {
    failures.push(`${totals.wrong} of ${totals.queries} queries returned a wrong row, e.g. ${totals.wrongSamples[0]}`);
  }
  if (totals.correct !== clients * iterations * 4) {
    failures.push(`${totals.correct} correct rows, expected ${clients * iterations * 4}`);
  }
  asyncErrors.forEach((e) => failures.push(e));
  finish({ clients, iterations, explicitTransactions, ...totals, asyncErrors }, failures);
});
