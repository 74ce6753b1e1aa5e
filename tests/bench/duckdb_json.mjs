// duckdb_json.mjs IN OUT FORMAT: the DuckDB side of the JSON-to-CSV benchmark
// (run_json_bench.sh). Copies the benchmark's JSON records (gen_csv -f jsonl or
// -f array; FORMAT is newline_delimited or array) to CSV with a header, with
// DuckDB (default threads) and the 12 columns given with their types, and
// prints the number of rows copied.
import { DuckDBInstance } from '@duckdb/node-api';

const [input, output, format] = process.argv.slice(2);
if (!input || !output || !['newline_delimited', 'array'].includes(format)) {
  console.error('usage: node duckdb_json.mjs IN.json OUT.csv newline_delimited|array');
  process.exit(2);
}
const sqlString = (s) => `'${s.replaceAll("'", "''")}'`;
export const COLUMNS = "{id: 'BIGINT', user_id: 'BIGINT', amount: 'DOUBLE', price: 'DOUBLE', " +
  "created_at: 'VARCHAR', updated_at: 'VARCHAR', name: 'VARCHAR', city: 'VARCHAR', " +
  "description: 'VARCHAR', status: 'VARCHAR', score: 'DOUBLE', tags: 'VARCHAR'}";

const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const result = await connection.run(
  `COPY (SELECT * FROM read_json(${sqlString(input)}, format=${sqlString(format)}, ` +
  `columns=${COLUMNS})) TO ${sqlString(output)} (FORMAT CSV, HEADER)`);
console.log(String(result.rowsChanged));
connection.closeSync();
instance.closeSync();
