import * as z from "zod";
import { firstIssue } from "../validation.js";

/**
 * What Probot itself reads from every payload before a handler runs: `action` to pick the handlers (an array
 * `["member_added"]` would even match one) and `installation.id` to authenticate (a non-numeric id throws inside
 * Probot). Checked for every event, handled or not, so that such a payload is ignored instead of failing with 500.
 */
const envelopeSchema = z.object({
  action: z.string().max(100).optional(),
  installation: z.object({ id: z.number().int().positive() }).optional(),
});

/** The first problem of the envelope as "field: problem", or null when Probot can be given the payload. */
export function envelopeProblem(payload: Record<string, unknown>): string | null {
  const parsed = envelopeSchema.safeParse(payload);
  return parsed.success ? null : firstIssue(parsed.error);
}
