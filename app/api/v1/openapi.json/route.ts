import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/api/route";
import { openApiDocument } from "@/lib/api/openapi";

/** GET /api/v1/openapi.json: the API's description, generated from the schemas that validate it. */
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = apiRoute("GET", { session: "none" }, async () =>
  NextResponse.json(openApiDocument(), { headers: { "Cache-Control": "public, max-age=300" } }),
);
