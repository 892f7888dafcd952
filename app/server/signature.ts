import { createHmac, timingSafeEqual } from "node:crypto";

/** GitHub's `x-hub-signature-256`: "sha256=" + hex HMAC of the raw body with the webhook secret. */
export function sign(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** Constant-time check over the raw bytes, before anything parses them. */
export function verifySignature(secret: string, body: string | Buffer, signature: string | undefined): boolean {
  if (!secret || !signature || !/^sha256=[0-9a-f]{64}$/i.test(signature)) return false;
  const expected = Buffer.from(sign(secret, body));
  const given = Buffer.from(signature.toLowerCase());
  return expected.length === given.length && timingSafeEqual(expected, given);
}
