import { describe, expect, it, vi } from "vitest";
import { MAX_EVENT_BYTES } from "@/lib/billing/drive/stripe-webhook";
import { POST } from "@/app/api/stripe/webhook/route";

// The webhook's route bounds the body before anything else: it is never read past the limit,
// its signature never checked, the database never asked.
const getDb = vi.hoisted(() => vi.fn());
vi.mock("@/lib/db", () => ({ getDb }));

describe("POST /api/stripe/webhook", () => {
  it("a body over the limit is refused with 413 before its signature is read", async () => {
    const big = new Request("http://app.test/api/stripe/webhook", { method: "POST", headers: { "stripe-signature": "t=1,v1=x" }, body: "x".repeat(MAX_EVENT_BYTES + 1) });
    expect((await POST(big)).status).toBe(413);
    expect(getDb).not.toHaveBeenCalled();
  });
});
