import { newSfnClient } from "../executions/sfn-client.js";
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeExecutionCommand } from "@aws-sdk/client-sfn";
import Table from "cli-table3";
import type { Command } from "commander";
import { MACHINES } from "../dispatch/machines.js";
import { executionHistory, recentExecutions } from "../executions/query.js";
import { stepsFromHistory } from "../executions/steps.js";
import { createApp } from "../server/probot.js";
import { sign } from "../server/signature.js";
import { startWebhookServer } from "../server/webhook-server.js";
import { listMembers } from "../store/members.js";
import { startEmbedded } from "../../infra/local/embedded.js";
import { demoLifecycle } from "../../infra/local/demo-lifecycle.js";
import { startGitHubStandin, type GitHubStandin } from "../../infra/local/github-standin.js";
import { DEMO_DIRECTORY_CSV, DEMO_ORGS, DEMO_USERS, memberAddedPayload } from "../../infra/local/demo-scenario.js";
import { DEMO_RUNS, EXPECTED_COST_CENTERS, EXPECTED_PULL_REQUEST, EXPECTED_TOTALS, jobsIndex, workflowRunPayload } from "../../infra/local/demo-runs.js";
import { queryTotals } from "../store/chargeback-query.js";
import { main as report } from "./report.js";
import { colourFor, newCommand, parseCommand, STD_IO, type CliIo } from "./format.js";
import { pino } from "pino";
import { BACKFILL_HISTORY, BACKFILL_MEMBERS, backfillOrg, demoBackfill, demoMemberBackfill } from "./demo-backfill.js";
import { demoRedelivery, REDELIVERY_USER } from "./demo-redelivery.js";

const program = (): Command =>
  newCommand("demo")
    .description(
      "Runs the whole product on this machine, with no AWS account and no network: a GitHub stand-in on loopback,\n" +
        "the embedded Step Functions endpoint, dynalite and the SNS outbox, and the real webhook server receiving\n" +
        "signed deliveries over HTTP. Prints what happened and exits 0 only when every expected outcome was seen.",
    )
    .addHelpText("after", "\nThe data folder is kept and printed at the end, for `DATA_DIR=<folder> npx org-flows members --org acme`.\n");

/** Bold headers on a terminal (red would read as an error), plain text in a file or with NO_COLOR. */
const plain = colourFor(process.stdout) ? { head: ["bold"], border: ["grey"] } : { head: [], border: [] };

interface Check {
  what: string;
  ok: boolean;
  detail?: string;
}

const checks: Check[] = [];
function expect(what: string, ok: boolean, detail?: string): void {
  checks.push({ what, ok, detail });
}

function section(title: string): void {
  process.stdout.write(`\n== ${title}\n`);
}

async function deliver(
  url: string,
  secret: string,
  event: string,
  payload: object,
  opts: { id?: string; badSignature?: boolean } = {},
): Promise<{ status: number; id: string; ms: number }> {
  const id = opts.id ?? randomUUID();
  const body = JSON.stringify(payload);
  const t0 = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": id,
      "x-github-hook-installation-target-type": "integration",
      "x-hub-signature-256": opts.badSignature ? sign("not-the-secret", body) : sign(secret, body),
      "user-agent": "GitHub-Hookshot/demo",
    },
    body,
  });
  await res.arrayBuffer();
  return { status: res.status, id, ms: Math.round(performance.now() - t0) };
}

function teamCalls(standin: GitHubStandin, login: string): string[] {
  return standin.calls.filter((c) => c.method === "PUT" && c.path.endsWith(`/memberships/${login}`)).map((c) => `${c.path.split("/")[4]} -> ${c.status}`);
}

/** workflow_run.completed: the chargeback part, checked against the hand computation in demo-runs.ts. */
async function demoRuns(url: string, secret: string, idle: () => Promise<void>): Promise<void> {
  section("Deliveries: workflow_run.completed");
  const deliveries = DEMO_RUNS.map((r) => ({ r, label: `${r.repo} run ${r.runId} attempt ${r.attempt} (${r.jobs.length} jobs, ${r.visibility})` }));
  const statuses: number[] = [];
  // Concurrent, as GitHub sends them; the re-run's two attempts and the big matrix race each other.
  const results = await Promise.all(deliveries.map((d) => deliver(url, secret, "workflow_run", workflowRunPayload(d.r))));
  deliveries.forEach((d, i) => {
    console.log(`  ${results[i]!.status === 200 ? "ok " : "BAD"} ${results[i]!.status}  ${String(results[i]!.ms).padStart(5)} ms  ${d.label}`);
    statuses.push(results[i]!.status);
  });
  const dup = await deliver(url, secret, "workflow_run", workflowRunPayload(DEMO_RUNS[0]!), { id: results[0]!.id });
  console.log(`  ${dup.status === 200 ? "ok " : "BAD"} ${dup.status}  ${String(dup.ms).padStart(5)} ms  acme/api run 9001 delivered again (duplicate)`);
  expect(
    "every workflow_run delivery answered 200, the duplicate too",
    [...statuses, dup.status].every((s) => s === 200),
  );
  await idle();

  section("Executions of workflow-run-cost");
  const sfn = newSfnClient();
  const executions = await recentExecutions(sfn, process.env[MACHINES.workflowRunCost.env]!, 50);
  for (const e of executions) console.log(`  ${(e.name ?? "").padEnd(40)} ${e.status}`);
  expect(
    `${DEMO_RUNS.length} cost executions: one per run attempt, none for the duplicate`,
    executions.length === DEMO_RUNS.length && executions.every((e) => e.status === "SUCCEEDED"),
    executions.map((e) => `${e.name}:${e.status}`).join(" "),
  );

  section("Chargeback for acme, 2026-11 (npx org-flows report --org acme --month 2026-11)");
  await report(["--org", "acme", "--month", "2026-11"]);
  const totals = await queryTotals({ org: "acme", month: "2026-11" });
  for (const want of EXPECTED_TOTALS) {
    const got = totals.find((t) => t.repository === want.repository);
    const same =
      got &&
      got.runs === want.runs &&
      got.attempts === want.attempts &&
      got.minutes === want.minutes &&
      got.costMicros === want.costMicros &&
      got.unknownMinutes === want.unknownMinutes;
    expect(
      `${want.repository}: ${want.runs} runs, ${want.attempts} attempts, ${want.minutes} min, $${(want.costMicros / 1e6).toFixed(6)} as computed by hand`,
      Boolean(same),
      got ? `got ${got.runs} runs, ${got.attempts} attempts, ${got.minutes} min, ${got.costMicros} micro-dollars, ${got.unknownMinutes} unknown` : "no totals",
    );
  }
  const allTime = await queryTotals({ org: "acme" });
  expect(
    "all-time totals equal the month's (one month of data)",
    allTime.reduce((a, t) => a + t.costMicros, 0) === totals.reduce((a, t) => a + t.costMicros, 0),
  );
  expect("unknown label flagged, never priced as Linux", totals.find((t) => t.repository === "acme/ios")?.unknownLabels.includes("gpu-beast") === true);
  sfn.destroy();
}

/** Cost centres, the per-workflow and per-SKU views and a budget crossed under redeliveries, with its one alert. */
async function demoChargeback(
  url: string,
  secret: string,
  idle: () => Promise<void>,
  outbox: { read(): Array<{ subject?: string; message: string; attributes?: Record<string, string> }> },
): Promise<void> {
  section("Redelivery storm: every acme/api delivery sent 3 more times at once");
  const api = DEMO_RUNS.filter((r) => r.repo === "acme/api");
  const storm = await Promise.all(api.flatMap((r) => [1, 2, 3].map(() => deliver(url, secret, "workflow_run", workflowRunPayload(r)))));
  console.log(`  ${storm.length} deliveries: ${storm.filter((r) => r.status === 200).length} answered 200`);
  await idle();
  const json = async (
    ...argv: string[]
  ): Promise<{ rows: Array<Record<string, unknown>>; total: Record<string, unknown>; budgets: Array<Record<string, unknown>> }> => {
    let out = "";
    await report(argv, { out: { write: (t: string) => (out += t) }, err: STD_IO.err });
    return JSON.parse(out) as never;
  };
  for (const by of ["cost-center", "workflow", "sku"]) {
    section(`Chargeback for acme, 2026-11, by ${by} (npx org-flows report --org acme --month 2026-11 --by ${by})`);
    await report(["--org", "acme", "--month", "2026-11", "--by", by]);
  }
  const byCc = await json("--org", "acme", "--month", "2026-11", "--by", "cost-center", "--format", "json");
  for (const [cc, want] of Object.entries(EXPECTED_COST_CENTERS)) {
    const got = byCc.rows.find((r) => r.costCenter === cc);
    expect(
      `cost centre ${cc}: ${want.runs} runs, ${want.attempts} attempts, $${(want.costMicros / 1e6).toFixed(6)} (${cc === "Payments" ? "custom property" : cc === "web" ? "rule acme/web*" : "no property, no rule"})`,
      got?.runs === want.runs && got.attempts === want.attempts && got.costMicros === want.costMicros,
      JSON.stringify(got ?? null),
    );
  }
  const handTotal = EXPECTED_TOTALS.reduce((a, t) => a + t.costMicros, 0);
  const views = await Promise.all(
    ["repo", "cost-center", "workflow", "sku"].map((by) => json("--org", "acme", "--month", "2026-11", "--by", by, "--format", "json")),
  );
  expect(
    `every view (repo, cost-center, workflow, sku) totals $${(handTotal / 1e6).toFixed(6)}, the sum of its rows`,
    views.every((v) => v.total.costMicros === handTotal && v.rows.reduce((a, r) => a + (r.costMicros as number), 0) === handTotal),
    views.map((v) => v.total.costMicros).join(" "),
  );
  const workflows = views[2]!.rows.filter((r) => r.repository === "acme/api").map((r) => r.workflow);
  expect(
    "--by workflow: acme/api's two workflow files are two rows",
    workflows.length === 2 && workflows.includes(".github/workflows/release.yml"),
    workflows.join(", "),
  );
  const alerts = outbox.read().filter((m) => m.attributes?.outcome === "budget");
  for (const a of alerts) console.log(`  [budget] ${a.subject}\n      ${a.message.split("\n").join("\n      ")}`);
  expect(
    "the Payments budget ($2.00) crossed once: exactly one alert, despite the duplicate and the redelivery storm",
    // The month-to-date in the alert is the one its recording saw ($2.19 or $2.22 or $2.25: deliveries race).
    alerts.length === 1 && /^Budget 100% reached: cost-center:Payments 2026-11, \$2\.\d\d of \$2\.00$/.test(alerts[0]!.subject ?? ""),
    alerts.map((a) => a.subject).join(" | "),
  );
  section("Cost per pull request (npx org-flows report --org acme --month 2026-11 --by pull-request)");
  await report(["--org", "acme", "--month", "2026-11", "--by", "pull-request"]);
  section("Cost per job in acme/infra (npx org-flows report --org acme --month 2026-11 --repo acme/infra --by job)");
  await report(["--org", "acme", "--month", "2026-11", "--repo", "acme/infra", "--by", "job"]);
  const byPr = await json("--org", "acme", "--month", "2026-11", "--by", "pull-request", "--format", "json");
  const pr = byPr.rows.find((r) => r.repository === EXPECTED_PULL_REQUEST.repository && r.pullRequest === EXPECTED_PULL_REQUEST.pullRequest);
  expect(
    `--by pull-request: ${EXPECTED_PULL_REQUEST.repository} ${EXPECTED_PULL_REQUEST.pullRequest} is $${(EXPECTED_PULL_REQUEST.costMicros / 1e6).toFixed(6)}, its self-hosted fleet minutes at the org's rate`,
    pr?.costMicros === EXPECTED_PULL_REQUEST.costMicros && pr.minutes === EXPECTED_PULL_REQUEST.minutes && byPr.total.costMicros === handTotal,
    JSON.stringify(pr ?? null),
  );
  const fleet = views[3]!.rows.find((r) => r.sku === "self_hosted_label_fleet");
  expect("--by sku: the fleet is its own SKU, 20 min, $0.030000", fleet?.minutes === 20 && fleet.costMicros === 30_000, JSON.stringify(fleet ?? null));
  const payments = byCc.budgets.find((b) => b.scope === "cost-center:Payments");
  expect(
    "the report shows each budget's month-to-date and forecast",
    payments?.monthToDateMicros === 2_250_000 && typeof payments.forecastMicros === "number" && (payments.alerted as number[]).includes(100),
    JSON.stringify(payments ?? null),
  );
}

export async function main(argv: string[], io: CliIo = STD_IO): Promise<number> {
  const early = await parseCommand(program(), argv, io, "demo");
  if (early !== undefined) return early;
  const dataDir = mkdtempSync(join(tmpdir(), "org-flows-demo-"));
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const standin = await startGitHubStandin({
    appId: 1,
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    orgs: [...DEMO_ORGS, { login: "initech", teams: { everyone: [] } }, backfillOrg()],
    users: [...DEMO_USERS, REDELIVERY_USER, ...BACKFILL_MEMBERS],
    jobs: { ...jobsIndex(), ...BACKFILL_HISTORY.jobs },
    runs: BACKFILL_HISTORY.runs,
  });
  const directoryFile = join(dataDir, "directory.csv");
  writeFileSync(directoryFile, DEMO_DIRECTORY_CSV);
  const secret = randomBytes(20).toString("hex");
  Object.assign(process.env, {
    APP_ID: "1",
    PRIVATE_KEY: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    WEBHOOK_SECRET: secret,
    GHE_HOST: standin.host,
    GHE_PROTOCOL: "http",
    DATA_DIR: dataDir,
    DIRECTORY_FILE: directoryFile,
    DEFAULT_TEAMS: "everyone,design",
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
  });

  section("Starting");
  const embedded = await startEmbedded({ dataDir, advertise: true });
  // The server's own log lines (a forged delivery is logged as an error) go to a file, not among the results.
  const serverLog = join(dataDir, "server.log");
  const { probot } = await createApp(process.env, pino.destination({ dest: serverLog, sync: true }));
  const server = await startWebhookServer({ probot, secret, log: probot.log, port: 0 });
  console.log(`GitHub stand-in    http://${standin.host}`);
  console.log(`Step Functions     ${embedded.sfnEndpoint}`);
  console.log(`DynamoDB (dynalite) ${embedded.dynamoEndpoint}`);
  console.log(`webhook server     ${server.url}`);
  console.log(`data folder        ${dataDir}`);
  console.log(`server log         ${serverLog}`);

  try {
    section("Deliveries: organization.member_added");
    const [acme, globex, initech] = [1001, 1002, 1003];
    const alice = DEMO_USERS[0]!;
    const bob = DEMO_USERS[1]!;
    const carol = DEMO_USERS[2]!;
    const dave = DEMO_USERS[3]!;
    const erin = DEMO_USERS[4]!;
    const sends: Array<{ label: string; event: string; payload: object; expect: number; id?: string; badSignature?: boolean }> = [
      { label: "alice-dev joins acme (in the directory, SAML)", event: "organization", payload: memberAddedPayload("acme", acme, alice), expect: 200 },
      {
        label: "bob-ops joins acme (already in engineering, not in the directory)",
        event: "organization",
        payload: memberAddedPayload("acme", acme, bob),
        expect: 200,
      },
      { label: "dave-contractor joins acme (excluded by '*-contractor')", event: "organization", payload: memberAddedPayload("acme", acme, dave), expect: 200 },
      {
        label: "acme-ci[bot] joins acme (bots excluded)",
        event: "organization",
        payload: memberAddedPayload("acme", acme, { login: "acme-ci[bot]", id: 7001, type: "Bot" }),
        expect: 200,
      },
      {
        label: "carol-sec joins initech (no config file: DEFAULT_TEAMS)",
        event: "organization",
        payload: memberAddedPayload("initech", initech, carol),
        expect: 200,
      },
      {
        label: "erin-data joins globex (invalid .github/onboarding.yml)",
        event: "organization",
        payload: memberAddedPayload("globex", globex, erin),
        expect: 200,
      },
    ];
    const first = await deliver(server.url, secret, sends[0]!.event, sends[0]!.payload);
    const results = [first];
    for (const s of sends.slice(1)) results.push(await deliver(server.url, secret, s.event, s.payload));
    sends.push({ label: "alice-dev's delivery redelivered", event: "organization", payload: sends[0]!.payload, expect: 200, id: first.id });
    results.push(await deliver(server.url, secret, "organization", sends[0]!.payload, { id: first.id }));
    sends.push({
      label: "a forged delivery (wrong signature)",
      event: "organization",
      payload: memberAddedPayload("acme", acme, { login: "mallory", id: 6666 }),
      expect: 401,
      badSignature: true,
    });
    results.push(await deliver(server.url, secret, "organization", sends.at(-1)!.payload, { badSignature: true }));
    sends.forEach((s, i) => {
      const r = results[i]!;
      console.log(`  ${r.status === s.expect ? "ok " : "BAD"} ${String(r.status).padEnd(4)} ${String(r.ms).padStart(5)} ms  ${s.label}`);
      expect(`${s.label}: HTTP ${s.expect}`, r.status === s.expect, `got ${r.status}`);
    });

    await embedded.idle();

    section("Team changes made in GitHub (the stand-in's record of PUT memberships)");
    for (const login of ["alice-dev", "bob-ops", "carol-sec", "dave-contractor", "erin-data", "mallory"]) {
      const calls = teamCalls(standin, login);
      console.log(`  ${login.padEnd(16)} ${calls.length ? calls.join(", ") : "(none)"}`);
    }
    expect(
      "alice-dev added to engineering and platform",
      standin.teamMembers("acme", "engineering").includes("alice-dev") && standin.teamMembers("acme", "platform").includes("alice-dev"),
    );
    expect("bob-ops already in engineering: no PUT for it", !teamCalls(standin, "bob-ops").some((c) => c.startsWith("engineering")));
    expect("dave-contractor and the bot untouched", teamCalls(standin, "dave-contractor").length === 0 && teamCalls(standin, "acme-ci[bot]").length === 0);
    expect("carol-sec added to initech's everyone (DEFAULT_TEAMS)", standin.teamMembers("initech", "everyone").includes("carol-sec"));
    expect("globex's invalid config changed nothing", teamCalls(standin, "erin-data").length === 0 && standin.teamMembers("globex", "staff").length === 0);
    expect("the forged delivery changed nothing", teamCalls(standin, "mallory").length === 0);

    section("Executions of member-onboarding (Step Functions API)");
    const sfn = newSfnClient();
    const arn = process.env[MACHINES.memberOnboarding.env]!;
    const executions = await recentExecutions(sfn, arn, 50);
    const t = new Table({ head: ["execution", "status", "ms", "error"], style: plain });
    for (const e of executions) {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }));
      t.push([e.name ?? "", e.status ?? "", e.stopDate && e.startDate ? e.stopDate.getTime() - e.startDate.getTime() : "", d.error ?? ""]);
    }
    console.log(t.toString());
    expect(
      "4 onboarding executions (alice, bob, carol, erin); none for the redelivery, the excluded or the forged",
      executions.length === 4,
      `got ${executions.length}`,
    );
    const aliceExec = executions.find((e) => e.name?.endsWith("acme-alice-dev"));
    if (aliceExec?.executionArn) {
      console.log(`\n  ${aliceExec.name}, state by state:`);
      for (const s of stepsFromHistory(await executionHistory(sfn, aliceExec.executionArn))) {
        console.log(
          `    ${s.state.padEnd(22)} ${s.type.padEnd(7)} ${s.outcome.padEnd(7)} ${String(s.ms ?? "").padStart(5)} ms${s.retries ? `  ${s.retries} retries` : ""}${s.error ? `  ${s.error}` : ""}`,
        );
      }
    }
    const failed = executions.filter((e) => e.status === "FAILED").map((e) => e.name);
    expect("only globex's execution failed", failed.length === 1 && Boolean(failed[0]?.includes("globex")), failed.join(", "));

    section("Stored members (DynamoDB Query, as `npx org-flows members` prints them)");
    for (const org of ["acme", "initech", "globex"]) {
      const members = await listMembers(org);
      const mt = new Table({ style: plain, head: ["org", "login", "email", "employeeId", "department", "manager", "enrichment", "teams"] });
      for (const m of members) {
        mt.push([
          org,
          m.login,
          m.email ?? "",
          m.employeeId ?? "",
          m.department ?? "",
          m.manager ?? "",
          m.enrichment,
          m.teams.map((x) => `${x.slug}:${x.status}`).join(" "),
        ]);
      }
      if (members.length) console.log(mt.toString());
    }
    const acmeMembers = await listMembers("acme");
    const a = acmeMembers.find((m) => m.login === "alice-dev");
    const b = acmeMembers.find((m) => m.login === "bob-ops");
    expect(
      "alice-dev stored with directory fields",
      a?.email === "alice.martin@acme.example" && a.employeeId === "E-1001" && a.department === "Platform Engineering" && a.enrichment === "found",
      JSON.stringify(a ?? null).slice(0, 200),
    );
    expect(
      "bob-ops stored as not_found in the directory",
      b?.enrichment === "not_found" && b.teams.some((x) => x.slug === "engineering" && x.status === "already_member"),
    );
    expect("no record for excluded members", !acmeMembers.some((m) => m.login === "dave-contractor" || m.login.endsWith("[bot]")));
    expect("no record for erin-data (globex config invalid)", (await listMembers("globex")).length === 0);

    section("Notifications (SNS outbox)");
    const messages = embedded.outbox.read();
    for (const m of messages)
      console.log(`  [${m.attributes?.outcome ?? ""}] ${m.subject ?? "(execution status change)"}\n      ${m.message.split("\n").join("\n      ")}`);
    expect("success notifications for alice-dev and bob-ops", messages.filter((m) => m.attributes?.outcome === "success").length === 2);
    expect(
      "carol-sec's notification reports the missing design team",
      messages.some((m) => m.attributes?.outcome === "partial" && m.message.includes("design: team_not_found (no team 'design' in initech)")),
    );
    expect(
      "globex's failure notification names the file and field",
      messages.some((m) => m.attributes?.outcome === "failure" && m.message.includes("teams[1].role")),
    );

    await demoRuns(server.url, secret, () => embedded.idle());
    await demoChargeback(server.url, secret, () => embedded.idle(), embedded.outbox);
    await demoBackfill({ section, expect, deliver: (event, payload) => deliver(server.url, secret, event, payload), idle: () => embedded.idle(), standin });
    await demoMemberBackfill({ section, expect, idle: () => embedded.idle(), outbox: () => embedded.outbox.read(), standin });
    await demoRedelivery({ section, expect, idle: () => embedded.idle(), outbox: () => embedded.outbox.read(), standin, webhook: { url: server.url, secret } });

    await demoLifecycle({
      deliver: (event, payload) => deliver(server.url, secret, event, payload),
      idle: () => embedded.idle(),
      standin,
      outbox: embedded.outbox,
      section,
      expect,
    });

    section("Checks");
    for (const c of checks) console.log(`  ${c.ok ? "✔" : "✘"} ${c.what}${c.ok || !c.detail ? "" : `  (${c.detail})`}`);
    const bad = checks.filter((c) => !c.ok).length;
    console.log(`\n${checks.length - bad} passed, ${bad} failed`);
    console.log(`Data kept in ${dataDir}: try  DATA_DIR=${dataDir} npx org-flows members --org acme`);
    return bad === 0 ? 0 : 1;
  } finally {
    await server.close();
    await embedded.stop();
    await standin.close();
  }
}
