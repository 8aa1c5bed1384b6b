import nextCoreWebVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";

const eslintConfig = [
  { ignores: [".next/**", "node_modules/**", ".data/**", "db/migrations/**", "next-env.d.ts", "playwright-report/**", "test-results/**"] },
  ...nextCoreWebVitals,
  ...nextTypescript,
  {
    // The lock order is code (lib/credits/locks.ts): a row lock taken anywhere else in lib/ would
    // be an order nobody reviews. Three rows outside the credits' order, each locked alone in its
    // own transaction, keep their own: an outbox mail, an app's design, an open invitation.
    files: ["lib/**/*.ts"],
    ignores: ["lib/credits/locks.ts", "lib/mail/index.ts", "lib/apps/editor.ts", "lib/workspaces/invitations.ts", "**/*.test.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        { selector: "CallExpression[callee.property.name='for']", message: "Take row locks through lib/credits/locks.ts, in the one lock order." },
      ],
    },
  },
];

export default eslintConfig;
