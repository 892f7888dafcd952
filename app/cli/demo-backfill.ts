// The demo's backfill part: an org that installed the App late. A month of its history is on GitHub (the stand-in),
// part of it was priced live by deliveries; the backfill prices the rest, and the chargeback matches the hand
// computation (every attempt one ubuntu-latest job of whole minutes in a private repository: minutes x $0.006).
import { deliveryPayload, generateHistory, LINUX_MICROS_PER_MINUTE, type History } from "../../infra/local/backfill-history.js";
import type { GitHubStandin, StandinOrg, StandinUser } from "../../infra/local/github-standin.js";
import type { OutboxMessage } from "../../infra/local/sns-outbox.js";
import { listMembers } from "../store/members.js";
import { queryTotals } from "../store/chargeback-query.js";
import { main as backfill } from "./backfill.js";

export const BACKFILL_ORG = "umbrella";
const INSTALLATION_ID = 4343;

/** October 2026: 3 repositories, 10 runs each spread over the month, every 3rd run re-run once. */
export const BACKFILL_HISTORY: History = generateHistory({
  org: BACKFILL_ORG,
  repositories: 3,
  runsPerRepository: 10,
  start: "2026-10-01T09:00:00Z",
  spacingSeconds: 80_000,
  rerunEvery: 3,
});

/** umbrella's members, all there before the App was installed (the bot is excluded by the default config). */
export const BACKFILL_MEMBERS: StandinUser[] = [
  { login: "uma-lead", id: 5101, name: "Uma Lead" },
  { login: "victor-dev", id: 5102, name: "Victor Dev" },
  { login: "wendy-ops", id: 5103, name: "Wendy Ops" },
];

export function backfillOrg(): StandinOrg {
  return {
    login: BACKFILL_ORG,
    teams: {},
    installationId: INSTALLATION_ID,
    repositories: BACKFILL_HISTORY.repositories,
    members: [...BACKFILL_MEMBERS, { login: "umbrella-ci[bot]", id: 5199, type: "Bot" }],
  };
}

interface DemoHooks {
  section(title: string): void;
  expect(what: string, ok: boolean, detail?: string): void;
  deliver(event: string, payload: object): Promise<{ status: number }>;
  idle(): Promise<void>;
  standin: GitHubStandin;
}

const capture = (): { io: { out: { write(s: string): boolean }; err: { write(s: string): boolean } }; out: string[]; err: string[] } => {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: { write: (s) => out.push(s) > 0 }, err: { write: (s) => err.push(s) > 0 } }, out, err };
};

export async function demoBackfill(h: DemoHooks): Promise<void> {
  const history = BACKFILL_HISTORY;
  h.section(`Backfill: ${BACKFILL_ORG} installed the App late; October 2026 is on GitHub, a third of it priced live`);
  const live = history.attempts.filter((_, i) => i % 3 === 0);
  const repoId = (fullName: string): number => history.repositories.find((r) => fullName.endsWith(`/${r.name}`))!.id;
  const statuses = await Promise.all(live.map((a) => h.deliver("workflow_run", deliveryPayload(a, BACKFILL_ORG, INSTALLATION_ID, repoId(a.repository)))));
  await h.idle();
  console.log(`  ${live.length} of ${history.attempts.length} attempts delivered live (HTTP ${[...new Set(statuses.map((s) => s.status))].join(", ")})`);

  const jobPages = (): number => h.standin.calls.filter((c) => c.path.endsWith("/jobs")).length;
  const jobsBefore = jobPages();
  const run = capture();
  const code = await backfill(["--org", BACKFILL_ORG, "--since", "2026-10-01", "--until", "2026-10-31", "--wait", "--format", "json"], run.io, { pollMs: 250 });
  console.log("  $ npx org-flows backfill --org umbrella --since 2026-10-01 --until 2026-10-31 --wait --format json");
  console.log(run.out.join("").replace(/^/gm, "  "));
  const result = JSON.parse(run.out.join("") || "{}") as { status?: string; repositories?: number; runs?: number; attempts?: number; githubCalls?: number };
  h.expect("the backfill succeeded (exit 0)", code === 0 && result.status === "SUCCEEDED", `exit ${code}, ${run.err.join("").trim().split("\n").at(-1) ?? ""}`);
  h.expect(
    `it listed ${history.repositories.length} repositories, ${history.expected.runs} runs, ${history.expected.attempts} attempts`,
    result.repositories === history.repositories.length && result.runs === history.expected.runs && result.attempts === history.expected.attempts,
    JSON.stringify(result),
  );
  h.expect(
    `job pages fetched only for the ${history.expected.attempts - live.length} attempts no delivery priced`,
    jobPages() - jobsBefore === history.expected.attempts - live.length,
    `${jobPages() - jobsBefore} job pages`,
  );

  const totals = await queryTotals({ org: BACKFILL_ORG, month: "2026-10" });
  for (const [repository, want] of Object.entries(history.expected.byRepository)) {
    const got = totals.find((t) => t.repository === repository);
    h.expect(
      `${repository}: ${want.runs} runs, ${want.attempts} attempts, ${want.minutes} min x $0.006 = $${((want.minutes * LINUX_MICROS_PER_MINUTE) / 1e6).toFixed(6)} by hand`,
      Boolean(
        got &&
          got.runs === want.runs &&
          got.attempts === want.attempts &&
          got.minutes === want.minutes &&
          got.costMicros === want.minutes * LINUX_MICROS_PER_MINUTE,
      ),
      got ? `got ${got.runs} runs, ${got.attempts} attempts, ${got.minutes} min, ${got.costMicros} micro-dollars` : "no totals",
    );
  }

  const again = capture();
  const jobsBeforeAgain = jobPages();
  const code2 = await backfill(["--org", BACKFILL_ORG, "--since", "2026-10-01", "--until", "2026-10-31", "--wait", "--format", "json"], again.io, {
    pollMs: 250,
    now: new Date(Date.now() + 2_000),
  });
  const after = await queryTotals({ org: BACKFILL_ORG, month: "2026-10" });
  h.expect(
    "a second backfill adds nothing and fetches no job page",
    code2 === 0 && jobPages() === jobsBeforeAgain && JSON.stringify(after) === JSON.stringify(totals),
  );
}

/** The member backfill: umbrella's members were never stored (they joined before the install). */
export async function demoMemberBackfill(h: Omit<DemoHooks, "deliver"> & { outbox(): OutboxMessage[] }): Promise<void> {
  h.section(`Member backfill: ${BACKFILL_ORG}'s members joined before the install (npx org-flows backfill --org ${BACKFILL_ORG} --members --wait)`);
  const run = capture();
  const successBefore = h.outbox().filter((m) => m.attributes?.outcome === "success").length;
  const code = await backfill(["--org", BACKFILL_ORG, "--members", "--wait", "--format", "json"], run.io, { pollMs: 250 });
  console.log(run.out.join("").replace(/^/gm, "  "));
  const result = JSON.parse(run.out.join("") || "{}") as { status?: string; onboarded?: number; excluded?: number };
  const stored = (await listMembers(BACKFILL_ORG)).map((m) => m.login).sort();
  h.expect(
    `member backfill: ${BACKFILL_MEMBERS.length} members onboarded as member-onboarding children, the bot excluded`,
    code === 0 &&
      result.onboarded === BACKFILL_MEMBERS.length &&
      result.excluded === 1 &&
      JSON.stringify(stored) === JSON.stringify(BACKFILL_MEMBERS.map((m) => m.login).sort()),
    `exit ${code}, ${JSON.stringify(result)}, stored ${stored.join(" ")}`,
  );
  const notices = h.outbox().filter((m) => m.attributes?.outcome === "member-backfill");
  h.expect(
    "one notification for the whole member backfill, none per member",
    notices.length === 1 && h.outbox().filter((m) => m.attributes?.outcome === "success").length === successBefore,
    `${notices.length} backfill notifications`,
  );
}
