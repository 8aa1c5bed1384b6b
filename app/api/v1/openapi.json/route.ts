import { NextResponse } from "next/server";
import { methodNotAllowed } from "@/lib/api/http";
import { openApiDocument } from "@/lib/api/openapi";

/** GET /api/v1/openapi.json: the API's description, generated from the schemas that validate it. */
export function GET() {
  return NextResponse.json(openApiDocument(), { headers: { "Cache-Control": "public, max-age=300" } });
}

const refuse = methodNotAllowed(["GET"]);
export const POST = refuse;
export const PUT = refuse;
export const PATCH = refuse;
export const DELETE = refuse;
