#!/usr/bin/env node
// The `org-flows` executable: loads the TypeScript sources through tsx (a dependency), so nothing is built first.
import { register } from "tsx/esm/api";

register();
const { run } = await import("./org-flows.ts");
run(process.argv.slice(2));
