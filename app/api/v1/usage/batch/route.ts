import { postUsageBatch } from "@/lib/api/usage";
import { meteringRoute } from "@/lib/api/route";

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = meteringRoute(postUsageBatch);
