import * as z from "zod";
import { firstIssue } from "../validation.js";

// GitHub logins: a letter or digit, then letters, digits and hyphens, 39 characters at most. Member logins may also
// carry an Enterprise Managed User's "_shortcode" or an App's "[bot]" suffix.
const ORG_LOGIN = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/;
const USER_LOGIN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,38}(?:\[bot\])?$/;

const id = z.number().int().positive();
const label = z.string().min(1).max(64);

/** The organization.member_added fields the handler uses; everything else in the payload is ignored. */
export const memberAddedSchema = z.object({
  action: z.literal("member_added"),
  installation: z.object({ id }),
  organization: z.object({ login: z.string().regex(ORG_LOGIN, "must be a GitHub organisation login"), id }),
  membership: z.object({
    role: label.nullish(),
    user: z.object({ login: z.string().regex(USER_LOGIN, "must be a GitHub login"), id, type: label.nullish() }),
  }),
});

export type MemberAddedPayload = z.infer<typeof memberAddedSchema>;

/** The payload's fields, or the first problem as "field: problem". */
export function parseMemberAdded(payload: unknown): { ok: true; payload: MemberAddedPayload } | { ok: false; reason: string } {
  const parsed = memberAddedSchema.safeParse(payload);
  return parsed.success ? { ok: true, payload: parsed.data } : { ok: false, reason: firstIssue(parsed.error) };
}

/** organization.member_removed carries the same fields. */
export const memberRemovedSchema = memberAddedSchema.extend({ action: z.literal("member_removed") });

export type MemberRemovedPayload = z.infer<typeof memberRemovedSchema>;

export function parseMemberRemoved(payload: unknown): { ok: true; payload: MemberRemovedPayload } | { ok: false; reason: string } {
  const parsed = memberRemovedSchema.safeParse(payload);
  return parsed.success ? { ok: true, payload: parsed.data } : { ok: false, reason: firstIssue(parsed.error) };
}
