/**
 * The architecture's arrows (DESIGN.md, Architecture): app → components → lib → db, no route
 * importing another route group's code, no cycles. `npm run depcheck`; CI runs it.
 */
module.exports = {
  forbidden: [
    { name: "no-cycles", severity: "error", comment: "An import cycle makes load order matter.", from: {}, to: { circular: true } },
    { name: "db-imports-nothing-from-lib", severity: "error", comment: "db/ is schema, client and migrations.", from: { path: "^db/" }, to: { path: "^(lib|components|app|scripts|tests)/" } },
    { name: "lib-not-into-app-or-components", severity: "error", comment: "Arrows point down: lib serves app and components.", from: { path: "^lib/" }, to: { path: "^(app|components)/" } },
    { name: "components-not-into-app", severity: "error", comment: "Shared components do not reach into routes; shared actions live in lib/actions.", from: { path: "^components/" }, to: { path: "^app/" } },
    {
      name: "no-cross-route-group",
      severity: "error",
      comment: "A route group's code is its own; share through components/ or lib/.",
      from: { path: "^app/\\(([^)]+)\\)/" },
      to: { path: "^app/\\(", pathNot: "^app/\\($1\\)/" },
    },
    {
      name: "no-route-into-other-route",
      severity: "error",
      comment: "Routes outside groups do not import route code either.",
      from: { path: "^app/(?!\\()([^/]+)/" },
      to: { path: "^app/", pathNot: ["^app/$1/", "^app/[^/]+\\.(ts|tsx|css)$"] },
    },
    { name: "production-not-into-tests", severity: "error", from: { path: "^(app|components|lib|db)/", pathNot: "\\.test\\.tsx?$" }, to: { path: "^(tests|e2e|reliability|bench)/" } },
    // lib's own floors, from the ground up: the helpers (errors, deadline, events, env, format,
    // the job queue's sender, the action result type) → workspaces → credits (the engine) →
    // billing (paid decisions, payments) →
    // apps, the worker, the process's database → auth, views, api → actions and the action
    // wrapper; demo data on top. Each may import only what stands below it.
    {
      name: "lib-ground-imports-no-lib",
      severity: "error",
      comment: "The ground floor of lib serves everyone and imports no other lib module.",
      from: { path: "^lib/(errors|deadline|events|env|secret|action-result|validation|notifications)\\.ts$|^lib/(format|jobs)/", pathNot: "\\.test\\.ts$" },
      // The configuration (env.ts) is read by the ground too: the server's secret comes from it.
      to: { path: "^lib/", pathNot: "^lib/(format|jobs)/|^lib/env\\.ts$" },
    },
    {
      name: "lib-workspaces-below-credits",
      severity: "error",
      from: { path: "^lib/workspaces/", pathNot: "\\.test\\.ts$" },
      to: { path: "^lib/(credits|billing|apps|worker|auth|views|api|actions|db\\.ts|action\\.ts|demo-(data|pool)\\.ts)" },
    },
    {
      name: "lib-credits-is-the-engine",
      severity: "error",
      comment: "The engine knows nothing of who calls it: no auth, views, API, actions, worker or process database.",
      from: { path: "^lib/credits/", pathNot: "\\.test\\.ts$" },
      to: { path: "^lib/(apps|worker|auth|views|api|actions|db\\.ts|action\\.ts|demo-(data|pool)\\.ts)" },
    },
    {
      name: "lib-credits-never-imports-billing",
      severity: "error",
      comment: "The wall: the metering engine knows nothing of paid decisions, payments or their mail; billing builds on the engine, never the other way.",
      from: { path: "^lib/credits/", pathNot: "\\.test\\.ts$" },
      to: { path: "^lib/billing/" },
    },
    {
      name: "lib-billing-above-the-engine",
      severity: "error",
      comment: "Paid decisions stand on the engine, workspaces and mail; they know nothing of who calls them.",
      from: { path: "^lib/billing/", pathNot: "\\.test\\.ts$" },
      to: { path: "^lib/(apps|worker|auth|views|api|actions|db\\.ts|action\\.ts|demo-(data|pool)\\.ts)" },
    },
    {
      name: "lib-middle-below-callers",
      severity: "error",
      from: { path: "^lib/(apps|worker)/|^lib/db\\.ts$", pathNot: "\\.test\\.ts$" },
      to: { path: "^lib/(auth|views|api|actions|action\\.ts|demo-(data|pool)\\.ts)" },
    },
    {
      name: "lib-readers-below-actions",
      severity: "error",
      from: { path: "^lib/(auth|views|api)/", pathNot: "\\.test\\.ts$" },
      to: { path: "^lib/(actions/|action\\.ts|demo-(data|pool)\\.ts)" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|\\.next|\\.data|db/migrations)" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"], extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json"] },
  },
};
