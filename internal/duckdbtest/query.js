// query.js runs one SQL statement with DuckDB (@duckdb/node-api, installed
// here by make deps) and prints the result rows as a JSON array of objects.
// The export tests drive it: node query.js 'SELECT ...'.
'use strict';
const { DuckDBInstance } = require('@duckdb/node-api');

async function main() {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const reader = await conn.runAndReadAll(process.argv[2]);
  process.stdout.write(JSON.stringify(reader.getRowObjectsJson()) + '\n');
}

main().catch((e) => {
  process.stderr.write('duckdb: ' + e.message + '\n');
  process.exit(1);
});
