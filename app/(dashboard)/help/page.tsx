import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { formatCredits } from "@/lib/credits/amounts";
import { COSTS, type ActionName } from "@/lib/credits/costs";
import { PLAN_CATALOG } from "@/lib/credits/plans";
import { cardClass } from "@/components/ui/surface";

export const metadata: Metadata = { title: "Help: credits" };

function Question({ q, children }: { q: string; children: ReactNode }) {
  return (
    <details className={cardClass("group p-4")}>
      <summary className="cursor-pointer font-medium marker:text-indigo-600">{q}</summary>
      <div className="mt-3 space-y-2 text-sm leading-6 text-zinc-700 dark:text-zinc-300">{children}</div>
    </details>
  );
}

const priced: ActionName[] = [
  "message.discuss",
  "message.implement",
  "integration.llm",
  "integration.email",
  "integration.email_custom_domain",
  "integration.image",
  "integration.api_call",
  "integration.file_upload",
  "edit.manual",
];

export default function HelpPage() {
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <div className="space-y-2">
        <h1 className="text-2xl font-semibold">Credits: questions and answers</h1>
        <p className="text-zinc-600 dark:text-zinc-400">
          You spend two separate balances. <strong>Message credits</strong> pay for talking to the AI.{" "}
          <strong>Integration credits</strong> pay for what your apps do in the world: model calls, emails, images, uploads and
          calls to other services.
        </p>
      </div>

      <Question q="What costs credits, and what is free?">
        <table className="w-full text-left">
          <caption className="sr-only">Cost of each action</caption>
          <thead>
            <tr>
              <th scope="col" className="py-1 font-medium">Action</th>
              <th scope="col" className="py-1 text-right font-medium">Cost</th>
            </tr>
          </thead>
          <tbody>
            {priced.map((a) => (
              <tr key={a} className="border-t border-zinc-200 dark:border-zinc-800">
                <td className="py-1">{COSTS[a].label}</td>
                <td className="py-1 text-right tabular-nums">
                  {COSTS[a].kind ? `${formatCredits(COSTS[a].unit)} ${COSTS[a].kind}` : "free"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <p>Changing your app by hand in the visual editor never costs anything. If the AI fails to answer, the message is not charged.</p>
      </Question>

      <Question q="When do my credits come back?">
        <p>
          On a paid seat, both balances refill every month on your workspace&apos;s billing date: if the first seat was bought on
          the 5th, the cycle starts on the 5th of each month (on the last day of shorter months when the date does not exist).
        </p>
        <p>
          On the Free plan they refill every day: each window lasts 24 hours from the moment you signed up. When a free balance
          is used up, actions that need it are paused until the window ends, and the app tells you when that is.
        </p>
      </Question>

      <Question q="Do unused credits carry over?">
        <p>No. Each cycle starts at your plan&apos;s full allowance, and whatever was left at the end of the previous one is gone.</p>
      </Question>

      <Question q="How do credits work in a team?">
        <p>
          It depends on the workspace&apos;s credit model, which its owner picks on the Billing page. <strong>Per seat</strong>: nobody
          shares a balance; each paid member has their own seat with its own allowances, and members without a seat use their
          personal Free allowance (one per person, however many workspaces they join).
        </p>
        <p>
          <strong>Shared pool</strong>: the workspace has one plan and one pool, and everyone&apos;s messages and every app&apos;s
          integrations are paid from it; nobody needs a seat. Owners and admins may cap what each member spends on messages in a
          month (a default for everyone, or a limit for one person); the owner is never capped. When your own cap is used up,
          your messages stop even if the pool still has credits, and the message says so. Switching between the two models
          happens on the next billing date, and no bought credits are lost on the way.
        </p>
        <p>
          On seats, message credits are spent by whoever writes to the AI, and integration credits come from the app&apos;s owner,
          whoever triggers them: a teammate testing in the editor, or a visitor using the published app. In a shared pool both
          come from the pool.
        </p>
        <p>On seats, owners and admins can move a paid seat to another member. The seat keeps what it has used this cycle.</p>
      </Question>

      <Question q="Where do I see my balance?">
        <p>
          Open the profile icon at the top right, choose Settings, then{" "}
          <Link href="/settings/workspace" className="underline">
            Workspace
          </Link>
          : it shows what you have used and what is left this cycle, and when it resets. In the editor, click the logo at the
          top left for the same numbers at a glance.
        </p>
      </Question>

      <Question q="How do I get more credits?">
        <p>
          The workspace owner can upgrade a seat at any time from the billing page; the larger allowance applies at once and
          what was already used stays used. Members can ask their owner. The plans, per seat and cycle:
        </p>
        <ul className="list-disc pl-5">
          {PLAN_CATALOG.map((p) => (
            <li key={p.id}>
              {p.name}: {formatCredits(p.messageAllowance)} message and {formatCredits(p.integrationAllowance)} integration credits per{" "}
              {p.cadence === "daily" ? "day" : "month"}
            </li>
          ))}
        </ul>
      </Question>
    </div>
  );
}
