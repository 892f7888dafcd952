import * as z from "zod";
import { memberKey } from "./member.js";

/** The member-offboarding execution's input. Facts only: never a token. */
export const offboardingInputSchema = z.object({
  org: z.string().min(1).max(39),
  orgId: z.number().int().positive(),
  installationId: z.number().int().positive(),
  member: z.object({ login: z.string().min(1).max(100), id: z.number().int().positive() }),
  /** the member record's key, as app/records/member.ts builds it (the machine cannot lower-case) */
  key: z.object({ pk: z.string(), sk: z.string() }),
  loginKey: z.string(),
  deliveryId: z.string().min(1),
  /** when the delivery arrived: the member's leftAt */
  removedAt: z.string(),
});

export type OffboardingInput = z.infer<typeof offboardingInputSchema>;

export function offboardingInput(fields: Omit<OffboardingInput, "key" | "loginKey">): OffboardingInput {
  return { ...fields, key: memberKey(fields.org, fields.member.login), loginKey: fields.member.login.toLowerCase() };
}
