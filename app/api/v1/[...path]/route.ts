import { notFoundResponse } from "@/lib/api/http";

/** Any other path under /api/v1: a JSON 404, whatever the method (HEAD and OPTIONS too). */
const notFound = () => notFoundResponse();
export const GET = notFound;
export const HEAD = notFound;
export const POST = notFound;
export const PUT = notFound;
export const PATCH = notFound;
export const DELETE = notFound;
export const OPTIONS = notFound;
