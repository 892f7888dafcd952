import * as z from "zod";
import { firstIssue } from "../validation.js";

const id = z.number().int().positive();
const sha = z.string().regex(/^[0-9a-f]{40}$/, "must be a commit SHA");

/** The pull_request fields the config check uses; everything else in the payload is ignored. */
export const pullRequestSchema = z.object({
  action: z.enum(["opened", "synchronize", "reopened"]),
  installation: z.object({ id }),
  repository: z.object({
    name: z.string().min(1).max(100),
    owner: z.object({ login: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/, "must be a GitHub login") }),
  }),
  pull_request: z.object({
    number: id,
    head: z.object({ sha }),
    base: z.object({ sha }),
  }),
});

export type PullRequestPayload = z.infer<typeof pullRequestSchema>;

export function parsePullRequest(payload: unknown): { ok: true; payload: PullRequestPayload } | { ok: false; reason: string } {
  const parsed = pullRequestSchema.safeParse(payload);
  return parsed.success ? { ok: true, payload: parsed.data } : { ok: false, reason: firstIssue(parsed.error) };
}
