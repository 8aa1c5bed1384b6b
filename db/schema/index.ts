/** The database schema, one file per area; everything is re-exported here as `@/db/schema`. */
export * from "./columns";
export * from "./people";
export * from "./apps";
export * from "./credits";
export * from "./billing";
export * from "./audit";
export * from "./mail";
