// duckdb_copy.mjs IN OUT: the DuckDB side of the CSV-to-JSON benchmark (run_bench.sh).
// Copies a CSV file to newline-delimited JSON with DuckDB (default threads),
// reading every column as text, and prints the number of rows copied.
import { DuckDBInstance } from '@duckdb/node-api';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node duckdb_copy.mjs IN.csv OUT.json');
  process.exit(2);
}
const sqlString = (s) => `'${s.replaceAll("'", "''")}'`;

const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const result = await connection.run(
  `COPY (SELECT * FROM read_csv(${sqlString(input)}, all_varchar=true)) ` +
  `TO ${sqlString(output)} (FORMAT JSON)`);
console.log(String(result.rowsChanged));
connection.closeSync();
instance.closeSync();
