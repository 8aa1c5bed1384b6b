"use server";

import { z } from "zod";
import { authedAction } from "@/lib/action";
import { plainText } from "@/lib/validation";
import { aiFromConfig } from "@/lib/apps/ai";
import { INTEGRATION_ACTIONS } from "@/lib/credits/costs";
import { applyManualEdit, runIntegration, sendMessage } from "@/lib/apps/editor";
import { env } from "@/lib/env";

const requestId = z.string().min(8).max(100);

const sendSchema = z.object({
  appId: z.string().uuid(),
  mode: z.enum(["discuss", "implement"]),
  text: plainText(z.string().trim().min(1, "Write a message first.").max(4000, "Keep a message under 4,000 characters."), { multiline: true }),
  requestId,
});

export const sendMessageAction = authedAction(
  sendSchema,
  async (input, { db, user, deadline }) => {
    const config = env();
    return sendMessage(db, aiFromConfig(config), { ...input, userId: user.id, timeoutMs: config.AI_TIMEOUT_MS, deadline });
  },
  // The AI may take its whole timeout between holding the credits and confirming them.
  { deadlineMs: () => env().ACTION_DEADLINE_MS + env().AI_TIMEOUT_MS },
);

const editSchema = z.object({
  appId: z.string().uuid(),
  field: z.enum(["title", "tagline", "accent"]),
  value: plainText(z.string().max(120, "Keep it under 120 characters.")),
  requestId,
});

export const manualEditAction = authedAction(editSchema, async (input, { db, user, deadline }) =>
  applyManualEdit(db, { ...input, userId: user.id, deadline }, new Date()),
);

const integrationSchema = z.object({
  appId: z.string().uuid(),
  action: z.enum(INTEGRATION_ACTIONS as [string, ...string[]]),
  requestId,
});

export const runIntegrationAction = authedAction(integrationSchema, async (input, { db, user, deadline }) =>
  runIntegration(db, { ...input, action: input.action as (typeof INTEGRATION_ACTIONS)[number], userId: user.id, deadline }, new Date()),
);
