import { createHash } from "node:crypto";

/** Step Functions execution names: 1-80 characters; we keep to the charset every API and log accepts. */
export const MAX_EXECUTION_NAME = 80;

function clean(part: string): string {
  return part
    .replace(/[^A-Za-z0-9_-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
}

export function shortHash(...parts: Array<string | number>): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 16);
}

/**
 * `<prefix>-<unique>-<readable...>`, cut to 80 characters. The unique part comes first so that truncating the
 * readable tail can never make two names collide.
 */
export function executionName(prefix: string, unique: string, readable: string[] = []): string {
  const name = [prefix, clean(unique), ...readable.map(clean)].filter(Boolean).join("-");
  return name.slice(0, MAX_EXECUTION_NAME).replace(/-+$/, "");
}

/** A member joining: one execution per delivery, so a redelivery is recognised; a later re-join is a new one. */
export function memberExecutionName(deliveryId: string, org: string, login: string): string {
  return executionName("onboard", shortHash(deliveryId, org.toLowerCase(), login.toLowerCase()), [org.toLowerCase(), login.toLowerCase()]);
}

/** A member leaving: one execution per delivery, as for joining. */
export function leaverExecutionName(deliveryId: string, org: string, login: string): string {
  return executionName("offboard", shortHash(deliveryId, org.toLowerCase(), login.toLowerCase()), [org.toLowerCase(), login.toLowerCase()]);
}

/**
 * A team sync started by a person: each command is its own execution (a second --apply after a failed one must run
 * again, not find the first); the name says which org and when.
 */
export function teamSyncExecutionName(org: string, plan: string, at: Date, nonce: string): string {
  const second = at.toISOString().slice(0, 19).replace(/[-:T]/g, "");
  return executionName("teamsync", shortHash(org.toLowerCase(), plan, second, nonce), [org.toLowerCase(), second]);
}

/** A workflow run attempt: run ids are unique across GitHub, so (run id, attempt) names it. */
export function runExecutionName(repositoryFullName: string, runId: number, attempt: number): string {
  return executionName("cost", `${runId}-${attempt}`, [repositoryFullName.replace("/", "_")]);
}
