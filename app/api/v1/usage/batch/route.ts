import { postUsageBatch } from "@/lib/api/usage";
import { meteringRoute } from "@/lib/api/route";

export const { POST, GET, PUT, PATCH, DELETE } = meteringRoute(postUsageBatch);
