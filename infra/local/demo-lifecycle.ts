import { main as members } from "../../app/cli/members.js";
import { main as syncTeams } from "../../app/cli/sync-teams.js";
import { listMembers, listPastMemberships } from "../../app/store/members.js";
import { DEMO_BROKEN_CONFIG_LINE, DEMO_PULL, DEMO_USERS, memberAddedPayload, memberRemovedPayload, pullRequestPayload } from "./demo-scenario.js";
import type { GitHubStandin } from "./github-standin.js";
import type { SnsOutbox } from "./sns-outbox.js";

/** What the demo gives the lifecycle scenario: its deliveries, the stand-in, the outbox and its list of checks. */
export interface LifecycleDemo {
  deliver(event: string, payload: object): Promise<{ status: number }>;
  idle(): Promise<void>;
  standin: GitHubStandin;
  outbox: SnsOutbox;
  section(title: string): void;
  expect(what: string, ok: boolean, detail?: string): void;
}

function capture(): { io: { out: { write(s: string): boolean }; err: { write(s: string): boolean } }; out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { out: { write: (s: string) => out.push(s) > 0 }, err: { write: (s: string) => err.push(s) > 0 } },
    out: () => out.join(""),
    err: () => err.join(""),
  };
}

const indent = (text: string): string =>
  text
    .trimEnd()
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");

/**
 * A member's life after joining: a joiner placed by a directory rule, a leaver, a pull request with a broken
 * config answered by a failing check run, and team drift repaired by `sync-teams --apply`.
 */
export async function demoLifecycle(d: LifecycleDemo): Promise<void> {
  const acme = 1001;
  const gina = DEMO_USERS.find((u) => u.login === "gina-sec")!;
  const bob = DEMO_USERS.find((u) => u.login === "bob-ops")!;

  d.section("Lifecycle: a joiner placed by a directory rule (rules: department Security -> security, maintainer)");
  const joined = await d.deliver("organization", memberAddedPayload("acme", acme, gina));
  await d.idle();
  const g = (await listMembers("acme")).find((m) => m.login === "gina-sec");
  console.log(
    `  ${joined.status}  gina-sec joins acme; directory department: ${g?.department ?? "?"}; teams: ${g?.teams.map((t) => `${t.slug}:${t.status}${t.source ? ` (${t.source})` : ""}`).join(" ")}`,
  );
  d.expect(
    "gina-sec placed in security by the directory rule (after enrichment)",
    d.standin.teamMembers("acme", "security").includes("gina-sec") &&
      Boolean(g?.teams.some((t) => t.slug === "security" && t.status === "added" && t.source === "rule")),
  );

  d.section("Lifecycle: a leaver (organization.member_removed)");
  // GitHub has taken bob-ops out of the org before it sends member_removed.
  d.standin.removeMember("acme", bob.login);
  const left = await d.deliver("organization", memberRemovedPayload("acme", acme, bob));
  await d.idle();
  const b = (await listMembers("acme")).find((m) => m.login === "bob-ops");
  const note = d.outbox.read().find((m) => m.subject === "Member left: bob-ops");
  console.log(`  ${left.status}  bob-ops leaves acme\n  notification: ${note?.message ?? "(none)"}`);
  const current = capture();
  await members(["--org", "acme"], current.io);
  const all = capture();
  await members(["--org", "acme", "--all", "--format", "json"], all.io);
  console.log("  npx org-flows members --org acme (current members):");
  console.log(indent(current.out()));
  const rows = JSON.parse(all.out()) as Array<{ login: string; leftAt: string | null }>;
  console.log(`  npx org-flows members --org acme --all --format json: ${rows.map((r) => `${r.login} leftAt=${r.leftAt}`).join(", ")}`);
  d.expect(
    "bob-ops's record kept and marked left with the delivery",
    Boolean(b?.leftAt && b.leftDeliveryId && b.joinedAt) && (await listPastMemberships("acme")).some((p) => p.login === "bob-ops"),
  );
  d.expect(
    "the leaver notification says who left and when they joined",
    Boolean(note?.message.startsWith("bob-ops left acme at") && b && note.message.includes(`They joined at ${b.joinedAt}`)),
  );
  d.expect(
    "members shows current members; --all includes the leaver, leftAt null for the others",
    !current.out().includes("bob-ops") &&
      rows.some((r) => r.login === "bob-ops" && r.leftAt) &&
      rows.filter((r) => r.login !== "bob-ops").every((r) => r.leftAt === null),
  );

  d.section("Lifecycle: bob-ops's old member_added replayed after the leave");
  const putsBefore = d.standin.calls.filter((c) => c.method === "PUT" && c.path.endsWith(`/memberships/${bob.login}`)).length;
  const replay = await d.deliver("organization", memberAddedPayload("acme", acme, bob));
  await d.idle();
  const putsAfter = d.standin.calls.filter((c) => c.method === "PUT" && c.path.endsWith(`/memberships/${bob.login}`)).length;
  const still = (await listMembers("acme")).find((m) => m.login === bob.login);
  console.log(
    `  ${replay.status}  the join replayed under a new delivery id; team PUTs for bob-ops: ${putsAfter - putsBefore}; leftAt: ${still?.leftAt ?? "(cleared)"}`,
  );
  d.expect(
    "a replayed join after a leave adds nobody and leaves the record a leaver's (GitHub says bob-ops is not a member)",
    replay.status === 200 && putsAfter === putsBefore && Boolean(still?.leftAt),
  );

  d.section("Lifecycle: a pull request with a broken onboarding.yml in acme/.github");
  const pr = await d.deliver("pull_request", pullRequestPayload("acme", acme, DEMO_PULL));
  const check = d.standin.checkRuns.find((c) => c.head_sha === DEMO_PULL.headSha);
  console.log(`  ${pr.status}  pull request #${DEMO_PULL.number} opened`);
  console.log(`  check run "${check?.name}": ${check?.conclusion}; ${check?.output?.title}`);
  for (const a of check?.output?.annotations ?? []) console.log(`    ${a.path}:${a.start_line} ${a.annotation_level}: ${a.title}: ${a.message}`);
  const ann = check?.output?.annotations?.[0];
  d.expect(
    `failing check run "org-flows config" with its annotation at .github/onboarding.yml line ${DEMO_BROKEN_CONFIG_LINE}`,
    check?.name === "org-flows config" &&
      check.conclusion === "failure" &&
      ann?.path === ".github/onboarding.yml" &&
      ann.start_line === DEMO_BROKEN_CONFIG_LINE &&
      ann.annotation_level === "failure",
    JSON.stringify(check ?? null).slice(0, 300),
  );

  d.section("Lifecycle: team drift repaired by sync-teams");
  // An admin takes alice-dev out of engineering by hand: the configured teams say she belongs there.
  d.standin.removeFromTeam("acme", "engineering", "alice-dev");
  const dry = capture();
  await syncTeams(["--org", "acme"], dry.io);
  console.log("  npx org-flows sync-teams --org acme (dry run):");
  console.log(indent(dry.out()));
  const planned = /(\d+) team addition/.exec(dry.err())?.[1];
  d.expect(
    "sync-teams dry run finds alice-dev missing from engineering and changes nothing",
    planned === "1" && !d.standin.teamMembers("acme", "engineering").includes("alice-dev"),
    dry.err(),
  );
  const applied = capture();
  const code = await syncTeams(["--org", "acme", "--apply", "--format", "json"], applied.io);
  const appliedRows = JSON.parse(applied.out() || "[]") as Array<{ member: string; team: string; action: string; applied: boolean }>;
  console.log(`  npx org-flows sync-teams --org acme --apply: exit ${code}; ${applied.err().trim()}`);
  d.expect(
    "sync-teams --apply repairs the drift through the team-sync machine",
    code === 0 &&
      d.standin.teamMembers("acme", "engineering").includes("alice-dev") &&
      appliedRows.some((r) => r.member === "alice-dev" && r.team === "engineering" && r.action === "add" && r.applied),
    applied.err(),
  );
}
