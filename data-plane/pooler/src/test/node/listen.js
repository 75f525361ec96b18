'use strict';
// LISTEN keeps working while other clients use the pool. Client A runs LISTEN and then
// sits idle; client B runs many transactions and leaves; client C sends NOTIFY. A must be
// told, without sending anything, within NOTIFY_TIMEOUT_MS (5000); B and C must not be.
// Through a transaction-mode pooler this needs A's server to stay A's once it listens.
// B's transactions are BEGIN; SELECT; COMMIT, or with EXPLICIT_TRANSACTIONS=0 (statement
// pooling refuses transaction blocks) the SELECT alone.
// Env: TRANSACTIONS (50), NOTIFY_TIMEOUT_MS (5000), EXPLICIT_TRANSACTIONS (1).
//
// Result: {channel, listenerPid, bTransactions, bServerPids, cServerPid, received, waitedMs,
//          payload, receivedAfterQuery, aListeningChannels, notificationsOnB, notificationsOnC,
//          asyncErrors, ok, failures}

const { intFromEnv, connect, finish, main } = require('./lib');

const CHANNEL = 'pgfleet_chan';
const PAYLOAD = 'x';

/** Resolves with the first notification on `client`, or null after `ms`. */
function nextNotification(client, ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.removeListener('notification', onNotification);
      resolve(null);
    }, ms);
    function onNotification(msg) {
      clearTimeout(timer);
      client.removeListener('notification', onNotification);
      resolve(msg);
    }
    client.on('notification', onNotification);
  });
}

main(async () => {
  const transactions = intFromEnv('TRANSACTIONS', 50);
  const timeoutMs = intFromEnv('NOTIFY_TIMEOUT_MS', 5000);
  const explicitTransactions = intFromEnv('EXPLICIT_TRANSACTIONS', 1) !== 0;
  const asyncErrors = [];
  const failures = [];
  const result = { channel: CHANNEL, explicitTransactions, bTransactions: 0, notificationsOnB: [], notificationsOnC: [] };

  const a = await connect('listen-a', asyncErrors);
  const received = [];
  a.on('notification', (msg) => received.push(msg));
  try {
    // One Query message, so both statements run on the same server.
    const listen = await a.query(`LISTEN ${CHANNEL}; SELECT pg_backend_pid() AS pid`);
    result.listenerPid = listen[1].rows[0].pid;

    const b = await connect('listen-b', asyncErrors);
    b.on('notification', (msg) => result.notificationsOnB.push(`${msg.channel}: ${msg.payload}`));
    const bPids = new Set();
    try {
      for (let t = 0; t < transactions; t++) {
        if (explicitTransactions) {
          await b.query('BEGIN');
        }
        bPids.add((await b.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
        if (explicitTransactions) {
          await b.query('COMMIT');
        }
        result.bTransactions++;
      }
    } finally {
      await b.end().catch(() => {});
    }
    result.bServerPids = [...bPids].sort((x, y) => x - y);

    const c = await connect('listen-c', asyncErrors);
    c.on('notification', (msg) => result.notificationsOnC.push(`${msg.channel}: ${msg.payload}`));
    const started = Date.now();
    const waiting = nextNotification(a, timeoutMs);
    try {
      const notify = await c.query(`NOTIFY ${CHANNEL}, '${PAYLOAD}'; SELECT pg_backend_pid() AS pid`);
      result.cServerPid = notify[1].rows[0].pid;
      const msg = await waiting;
      result.waitedMs = Date.now() - started;
      result.received = msg !== null;
      result.payload = msg === null ? null : msg.payload;
      if (msg === null) {
        // Not a pass, but tells a notification held back until A speaks from one lost.
        await a.query('SELECT 1');
        await new Promise((resolve) => setTimeout(resolve, 200));
        result.receivedAfterQuery = received.length > 0;
      }
    } finally {
      await c.end().catch(() => {});
    }
    result.aListeningChannels = (await a.query('SELECT pg_listening_channels() AS c')).rows.map((r) => r.c);
  } finally {
    await a.end().catch(() => {});
  }

  if (!result.received) {
    failures.push(`A (listening on server ${result.listenerPid}) got no notification within ${timeoutMs} ms`
      + (result.receivedAfterQuery ? ', only after it ran a query' : ''));
  } else if (result.payload !== PAYLOAD) {
    failures.push(`A got payload '${result.payload}', expected '${PAYLOAD}'`);
  }
  if (received.length > 1) {
    failures.push(`A got ${received.length} notifications, expected 1`);
  }
  if (result.notificationsOnB.length > 0 || result.notificationsOnC.length > 0) {
    failures.push(`another client got A's notification: B ${JSON.stringify(result.notificationsOnB)}, `
      + `C ${JSON.stringify(result.notificationsOnC)}`);
  }
  if (!(result.aListeningChannels || []).includes(CHANNEL)) {
    failures.push(`A's pg_listening_channels() afterwards: ${JSON.stringify(result.aListeningChannels)}`);
  }
  asyncErrors.forEach((e) => failures.push(e));
  result.asyncErrors = asyncErrors;
  finish(result, failures);
});
