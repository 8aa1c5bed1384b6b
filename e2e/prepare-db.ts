/**
 * Gives the e2e server a fresh PostgreSQL database with the demo data. Refuses any host
 * but this machine: it drops the database first.
 */
import postgres from "postgres";
import { assertLocalDatabase } from "../tests/support/local-db";

const url = assertLocalDatabase(process.env.DATABASE_URL ?? "", "the e2e reset");
const name = url.pathname.slice(1);
if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`Unexpected database name "${name}".`);
const admin = new URL(url);
admin.pathname = "/postgres";
const sql = postgres(admin.toString(), { max: 1, onnotice: () => {} });

async function reset() {
  await sql.unsafe(`drop database if exists ${name} with (force)`);
  await sql.unsafe(`create database ${name}`);
  await sql.end();
}

reset().catch((err) => {
  console.error(err);
  process.exit(1);
});
