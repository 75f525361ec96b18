'use strict';
// What the driver scripts share: connecting (node-postgres reads PGHOST, PGPORT, PGUSER,
// PGPASSWORD, PGDATABASE and PGSSLMODE itself), reading numbers from the environment, and
// ending with one JSON line on stdout (exit 1 and the reasons on stderr if a check failed).

const { Client } = require('pg');

function intFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  const value = Number.parseInt(raw, 10);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer, not '${raw}'`);
  }
  return value;
}

/**
 * A connected client named `label` (its application_name, so the pooler's logs and
 * pg_stat_activity show who is who). Errors the connection raises while no query is
 * running (the pooler or server closing it) are collected in `asyncErrors` instead of
 * crashing the script.
 */
async function connect(label, asyncErrors) {
  const client = new Client({ application_name: label });
  client.on('error', (err) => asyncErrors.push(`${label}: ${err.message}`));
  await client.connect();
  return client;
}

/** Counts how often each value was seen: {value: count}. */
function tally(map, value) {
  const key = String(value);
  map[key] = (map[key] || 0) + 1;
}

/** Prints the result line; if any check failed, the reasons go to stderr and the exit code is 1. */
function finish(result, failures) {
  result.ok = failures.length === 0;
  result.failures = failures.slice(0, 20);
  process.stdout.write(JSON.stringify(result) + '\n');
  if (failures.length > 0) {
    process.stderr.write(failures.slice(0, 20).join('\n') + '\n');
    process.exitCode = 1;
  }
}

/** Runs the script body; anything it throws is a failure with exit code 2. */
function main(body) {
  body().catch((err) => {
    process.stdout.write(JSON.stringify({ ok: false, failures: [String(err && err.message)] }) + '\n');
    process.stderr.write((err && err.stack ? err.stack : String(err)) + '\n');
    process.exitCode = 2;
  }).finally(() => {
    // A client whose server never answers must not keep the script alive.
    setTimeout(() => process.exit(), 100).unref();
  });
}

module.exports = { intFromEnv, connect, tally, finish, main };
