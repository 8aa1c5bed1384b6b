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
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|\\.next|\\.data|db/migrations)" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"], extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json"] },
  },
};
