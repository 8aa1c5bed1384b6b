/**
 * Gives the e2e server a fresh PostgreSQL database with the demo data. Refuses any host
 * but this machine: it drops the database first.
 */
import postgres from "postgres";

const url = new URL(process.env.DATABASE_URL ?? "");
if (!["127.0.0.1", "localhost", "::1", "[::1]"].includes(url.hostname)) {
  throw new Error(`Refusing to reset a non-local database (${url.hostname}).`);
}
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
