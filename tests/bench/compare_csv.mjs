// compare_csv.mjs A.csv B.csv: do two CSV outputs of the JSON-to-CSV benchmark
// (run_json_bench.sh) hold the same data? Reads both with DuckDB, the 12
// columns typed as duckdb_json.mjs types them (so that 1.50 and 1.5, or a
// field quoted or not, compare equal), and prints the rows of each, the rows
// of one that the other lacks (as a multiset, order aside), up to 3 of them
// from each side, and how many rows differ as text. Exit 0: same data; 1: not.
import { DuckDBInstance } from '@duckdb/node-api';

const [a, b] = process.argv.slice(2);
if (!a || !b) {
  console.error('usage: node compare_csv.mjs A.csv B.csv');
  process.exit(2);
}
const sqlString = (s) => `'${s.replaceAll("'", "''")}'`;
const TYPES = "{'id': 'BIGINT', 'user_id': 'BIGINT', 'amount': 'DOUBLE', 'price': 'DOUBLE', " +
  "'created_at': 'VARCHAR', 'updated_at': 'VARCHAR', 'name': 'VARCHAR', 'city': 'VARCHAR', " +
  "'description': 'VARCHAR', 'status': 'VARCHAR', 'score': 'DOUBLE', 'tags': 'VARCHAR'}";
const read = (f, typed) => `read_csv(${sqlString(f)}, header=true, quote='"', escape='"', ` +
  `new_line='\\n', ` + (typed ? `columns=${TYPES}` : 'all_varchar=true') + ')';

const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const rows = async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJson();
const count = async (sql) => Number((await rows(`SELECT count(*) AS n FROM (${sql})`))[0].n);

let same = true;
for (const [x, y] of [[a, b], [b, a]]) {
  const missing = `SELECT * FROM ${read(x, true)} EXCEPT ALL SELECT * FROM ${read(y, true)}`;
  const n = await count(missing);
  console.log(`${x}: ${await count(`SELECT * FROM ${read(x, true)}`)} rows, ${n} not in ${y}`);
  if (n > 0) {
    same = false;
    for (const r of await rows(`${missing} LIMIT 3`))
      console.log('  ' + JSON.stringify(r));
  }
}
const textDiff = `SELECT * FROM ${read(a, false)} EXCEPT ALL SELECT * FROM ${read(b, false)}`;
const nText = await count(textDiff);
console.log(`rows of ${a} whose text is not a row of ${b}: ${nText}`);
for (const r of await rows(`${textDiff} LIMIT 3`))
  console.log('  ' + JSON.stringify(r));
connection.closeSync();
instance.closeSync();
process.exit(same ? 0 : 1);
