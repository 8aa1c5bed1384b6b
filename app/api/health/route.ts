import { NextResponse } from "next/server";

/** Liveness: answers without touching the database (also the floor of a request's cost). */
export function GET() {
  return NextResponse.json({ ok: true }, { headers: { "Cache-Control": "no-store" } });
}
