import { createHash } from "node:crypto";

export type AiMode = "discuss" | "implement";

export interface AiRequest {
  mode: AiMode;
  prompt: string;
  appName: string;
}

/** The AI behind the editor's chat. Any failure (error, timeout) must throw. */
export interface AiProvider {
  readonly name: string;
  reply(request: AiRequest, signal: AbortSignal): Promise<string>;
}

const ideas = [
  "a short onboarding checklist on the first screen",
  "grouping the settings into two tabs",
  "an empty state that explains what to add first",
  "a search box above the list",
  "a confirmation step before anything is deleted",
  "showing totals at the top of the page",
];

/**
 * The default: answers offline and deterministically (the same prompt gets the same answer),
 * so the product works with no network and tests can rely on it.
 */
export const offlineAi: AiProvider = {
  name: "Offline assistant",
  async reply({ mode, prompt, appName }, signal) {
    signal.throwIfAborted();
    const topic = prompt.trim().replace(/\s+/g, " ").slice(0, 120);
    const pick = createHash("sha256").update(prompt).digest()[0]! % ideas.length;
    return mode === "discuss"
      ? `About "${topic}" in ${appName}: one option is ${ideas[pick]}. Want me to implement it?`
      : `Implemented in ${appName}: ${topic}. The change touches ${1 + (pick % 3)} screen${pick % 3 ? "s" : ""}; check the preview.`;
  },
};

/** An OpenAI-compatible chat completions endpoint (AI_BASE_URL, AI_API_KEY, AI_MODEL). */
export function openAiCompatible(options: { baseUrl: string; apiKey?: string; model: string }): AiProvider {
  return {
    name: `${options.model} at ${new URL(options.baseUrl).host}`,
    async reply({ mode, prompt, appName }, signal) {
      const res = await fetch(`${options.baseUrl.replace(/\/$/, "")}/chat/completions`, {
        method: "POST",
        signal,
        headers: { "content-type": "application/json", ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) },
        body: JSON.stringify({
          model: options.model,
          messages: [
            {
              role: "system",
              content:
                mode === "discuss"
                  ? `You help build the app "${appName}". Discuss the request briefly; do not change anything.`
                  : `You help build the app "${appName}". Describe briefly the change you made for the request.`,
            },
            { role: "user", content: prompt },
          ],
        }),
      });
      if (!res.ok) throw new Error(`AI endpoint answered ${res.status}`);
      const body = (await res.json()) as { choices?: { message?: { content?: string } }[] };
      const text = body.choices?.[0]?.message?.content?.trim();
      if (!text) throw new Error("AI endpoint returned no text");
      return text;
    },
  };
}

export function aiFromConfig(config: { AI_BASE_URL?: string; AI_API_KEY?: string; AI_MODEL: string }): AiProvider {
  return config.AI_BASE_URL
    ? openAiCompatible({ baseUrl: config.AI_BASE_URL, apiKey: config.AI_API_KEY, model: config.AI_MODEL })
    : offlineAi;
}
