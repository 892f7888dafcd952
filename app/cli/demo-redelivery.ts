// The demo's redelivery part: a delivery that failed while the app was down is found by the sweep and redelivered
// once by GitHub (the stand-in sends it again, signed, to the webhook server); a delivery that keeps failing is
// redelivered 3 times, then given up with one notification.
import { memberAddedPayload } from "../../infra/local/demo-scenario.js";
import type { GitHubStandin, StandinUser } from "../../infra/local/github-standin.js";
import type { OutboxMessage } from "../../infra/local/sns-outbox.js";
import { listMembers } from "../store/members.js";
import { main as redeliver } from "./redeliver.js";

/** Joined acme while the app was down: GitHub's delivery of it failed. */
export const REDELIVERY_USER: StandinUser = { login: "frank-qa", id: 5006, name: "Frank Ito", email: null };

interface DemoHooks {
  section(title: string): void;
  expect(what: string, ok: boolean, detail?: string): void;
  idle(): Promise<void>;
  outbox(): OutboxMessage[];
  standin: GitHubStandin;
  webhook: { url: string; secret: string };
}

interface SweepResult {
  status?: string;
  checked?: number;
  failed?: number;
  redelivered?: number;
  gaveUp?: number;
  givenUpBefore?: number;
}

async function sweep(): Promise<{ code: number; result: SweepResult }> {
  let out = "";
  const io = { out: { write: (s: string) => (out += s).length > 0 }, err: { write: () => true } };
  const code = await redeliver(["--wait", "--format", "json"], io, { pollMs: 100 });
  return { code, result: JSON.parse(out || "{}") as SweepResult };
}

export async function demoRedelivery(h: DemoHooks): Promise<void> {
  h.section("Failed deliveries redelivered (npx org-flows redeliver; also on a schedule)");
  h.standin.setWebhook(h.webhook.url, h.webhook.secret);
  const lost = h.standin.addDelivery({ event: "organization", payload: memberAddedPayload("acme", 1001, REDELIVERY_USER) });
  h.standin.failDelivery(lost.guid, 503);
  const stuck = h.standin.addDelivery({ event: "organization", payload: memberAddedPayload("acme", 1001, { login: "ghost-user", id: 5099 }) });
  h.standin.failDelivery(stuck.guid, 502);
  h.standin.failRedeliveriesOf(stuck.guid);
  console.log(`  GitHub shows 2 failed deliveries: frank-qa joining acme (${lost.id}, HTTP 503) and ghost-user (${stuck.id}, keeps failing)`);

  const sweeps: Array<{ code: number; result: SweepResult }> = [];
  for (let i = 0; i < 5; i++) {
    const s = await sweep();
    await h.idle();
    sweeps.push(s);
    const r = s.result;
    console.log(`  sweep ${i + 1}: ${r.status}, ${r.checked} checked, ${r.failed} failed, ${r.redelivered} redelivered, ${r.gaveUp} given up`);
  }
  const attempts = (id: string): number => h.standin.calls.filter((c) => c.method === "POST" && c.path === `/app/hook/deliveries/${id}/attempts`).length;
  const frankDeliveries = h.standin.deliveries().filter((d) => d.guid === lost.guid);
  const frank = (await listMembers("acme")).find((m) => m.login === REDELIVERY_USER.login);
  h.expect(
    "every sweep succeeded",
    sweeps.every((s) => s.code === 0 && s.result.status === "SUCCEEDED"),
  );
  h.expect(
    "frank-qa's failed delivery redelivered once, by its id above 2^53, and frank-qa onboarded",
    attempts(lost.id) === 1 && BigInt(lost.id) > 2n ** 53n && frankDeliveries.at(-1)?.status === "OK" && frank?.login === REDELIVERY_USER.login,
    `${attempts(lost.id)} attempts, latest ${frankDeliveries.at(-1)?.status}, stored ${Boolean(frank)}`,
  );
  const stuckIds = h.standin
    .deliveries()
    .filter((d) => d.guid === stuck.guid)
    .map((d) => d.id);
  const stuckAttempts = stuckIds.reduce((n, id) => n + attempts(id), 0);
  h.expect(
    "4 more sweeps did not redeliver it again (its redelivery succeeded)",
    frankDeliveries.length === 2 && frankDeliveries.every((d) => attempts(d.id) === (d.id === lost.id ? 1 : 0)),
    `${frankDeliveries.length} deliveries of its guid`,
  );
  const notices = h.outbox().filter((m) => m.attributes?.outcome === "gave-up");
  h.expect(
    "a delivery that kept failing: redelivered 3 times, then one 'given up' notification",
    stuckAttempts === 3 && notices.length === 1 && notices[0]!.subject === `Webhook delivery given up: ${stuck.guid}`,
    `${stuckAttempts} attempts, ${notices.length} notifications`,
  );
}
