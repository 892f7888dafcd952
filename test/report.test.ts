import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { DynamoDBClient, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { loadRateTable, priceAttempt } from "../app/pricing/price.js";
import { buildRunRecord, totalsUpdate, type RepoTotals, type RunCostInput } from "../app/records/run.js";
import { queryTotals } from "../app/store/chargeback-query.js";
import { dynamoClient } from "../app/store/dynamo.js";
import { tableName } from "../app/store/table.js";
import { main, renderHtml } from "../app/cli/report.js";
import { printRows, renderCsv } from "../app/cli/format.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { jobsFor, type JobSpec } from "./fixtures/jobs.js";

/** The report CLI against totals written with the same UpdateExpression the state machine uses. */
let embedded: Embedded;

function runInput(repo: string, runId: number, attempt: number, updatedAt: string): RunCostInput {
  return {
    installationId: 1,
    org: "Acme",
    repository: { fullName: `Acme/${repo}`, id: runId, visibility: "private" },
    run: { id: runId, attempt, name: "CI", path: "ci.yml", event: "push", headBranch: "main", actor: "octocat", conclusion: "success", runStartedAt: null, updatedAt },
  };
}

/** Adds one attempt to the all-time and monthly totals, as AddToTotals/AddToMonthlyTotals do. */
async function record(repo: string, runId: number, attempt: number, updatedAt: string, specs: JobSpec[]): Promise<void> {
  const input = runInput(repo, runId, attempt, updatedAt);
  const priced = priceAttempt(jobsFor(runId, attempt, updatedAt, specs), { visibility: "private", hostedRunners: [], rates: loadRateTable() });
  const u = totalsUpdate(buildRunRecord(input, priced, "github", new Date()));
  for (const target of [u.allTime, u.monthly]) {
    await dynamoClient().send(
      new UpdateItemCommand({
        TableName: tableName(),
        Key: target.key,
        UpdateExpression: u.updateExpression,
        ExpressionAttributeNames: u.names,
        ExpressionAttributeValues: attempt === 1 ? target.firstRun : target.repeatRun,
      }),
    );
  }
}

class Buffer_ {
  text = "";
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

async function report(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new Buffer_();
  const err = new Buffer_();
  const code = await main(argv, { out, err });
  return { code, out: out.text, err: err.text };
}

const ubuntu = (seconds: number): JobSpec => ({ labels: ["ubuntu-latest"], seconds });

beforeAll(async () => {
  embedded = await startEmbedded({ retryIntervalMs: 0 });
  // widgets: 2 runs in Jan 2026 (one with a re-run) + 1 in Dec 2025; gadgets: Windows and macOS in Jan 2026.
  await record("Widgets", 1, 1, "2026-01-10T10:00:00Z", [ubuntu(300)]); // 5 min x 0.006
  await record("Widgets", 1, 2, "2026-01-10T11:00:00Z", [ubuntu(600)]); // 10 min x 0.006
  await record("Widgets", 2, 1, "2025-12-31T10:00:00Z", [ubuntu(120)]); // 2 min x 0.008
  await record("gadgets", 3, 1, "2026-01-12T10:00:00Z", [{ labels: ["windows-latest"], seconds: 60 }, { labels: ["macos-14"], seconds: 61 }, { labels: ["weird"], seconds: 240 }]);
  for (let i = 0; i < 4; i++) await record(`small-${i}`, 10 + i, 1, "2026-01-05T10:00:00Z", [ubuntu(30)]);
});

afterAll(async () => {
  await embedded.stop();
});

describe("report", () => {
  it("json, all-time: per repository runs, attempts, minutes, costUsd, bySku, unknownMinutes; dearest first", async () => {
    const { code, out, err } = await report("--org", "acme", "--format", "json");
    expect({ code, err }).toEqual({ code: 0, err: "" });
    const rows = JSON.parse(out) as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(6);
    expect(rows[0]).toEqual({
      repository: "Acme/gadgets",
      runs: 1,
      attempts: 1,
      minutes: 7,
      costUsd: 0.134,
      bySku: { macos: { minutes: 2, costUsd: 0.124 }, unknown: { minutes: 4, costUsd: 0 }, windows_2_core: { minutes: 1, costUsd: 0.01 } },
      unknownMinutes: 4,
    });
    expect(rows[1]).toEqual({ repository: "Acme/Widgets", runs: 2, attempts: 3, minutes: 17, costUsd: 0.106, bySku: { linux_2_core: { minutes: 17, costUsd: 0.106 } }, unknownMinutes: 0 });
  });

  it("--month gives that UTC month only", async () => {
    const dec = JSON.parse((await report("--org", "acme", "--month", "2025-12", "--format", "json")).out) as Array<Record<string, unknown>>;
    expect(dec).toEqual([{ repository: "Acme/Widgets", runs: 1, attempts: 1, minutes: 2, costUsd: 0.016, bySku: { linux_2_core: { minutes: 2, costUsd: 0.016 } }, unknownMinutes: 0 }]);
    const jan = JSON.parse((await report("--org", "acme", "--month", "2026-01", "--format", "json")).out) as Array<{ repository: string; runs: number; attempts: number; costUsd: number }>;
    expect(jan.find((r) => r.repository === "Acme/Widgets")).toMatchObject({ runs: 1, attempts: 2, costUsd: 0.09 });
    expect((await report("--org", "acme", "--month", "2024-01")).out).toBe("No totals recorded for acme, 2024-01.\n");
  });

  it("--repo reads one repository by its key", async () => {
    const rows = JSON.parse((await report("--org", "ACME", "--repo", "acme/widgets", "--format", "json")).out) as unknown[];
    expect(rows).toEqual([expect.objectContaining({ repository: "Acme/Widgets", runs: 2, attempts: 3 })]);
  });

  it("table: SKU columns, unpriced minutes, cost and a total line", async () => {
    const { code, out } = await report("--org", "acme");
    expect(code).toBe(0);
    expect(out).toMatch(/Repository.*Runs.*Attempts.*Minutes.*linux_2_core.*macos.*Unpriced min.*Cost \(USD\)/s);
    expect(out).toMatch(/Acme\/Widgets.*17 min \/ \$0\.11.*0\.11/);
    expect(out).toMatch(/TOTAL\s*│\s*7\s*│\s*8\s*│\s*28\s*│/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: an ANSI colour code starts with ESC.
    expect(out).not.toMatch(/\u001b\[/); // no colour codes in files or pipes
  });

  it("csv: one line per repository, two columns per SKU", async () => {
    const { out } = await report("--org", "acme", "--month", "2026-01", "--format", "csv");
    const lines = out.trimEnd().split("\r\n");
    expect(lines[0]).toBe("repository,runs,attempts,minutes,cost_usd,unknown_minutes,minutes_linux_2_core,cost_usd_linux_2_core,minutes_macos,cost_usd_macos,minutes_unknown,cost_usd_unknown,minutes_windows_2_core,cost_usd_windows_2_core");
    expect(lines).toContain("Acme/Widgets,1,2,15,0.09,0,15,0.09,0,0,0,0,0,0");
    expect(lines).toHaveLength(7);
  });

  it("html: one self-contained page with a bar per repository and escaped values", async () => {
    const { out } = await report("--org", "acme", "--format", "html");
    expect(out).toMatch(/^<!DOCTYPE html>/);
    expect(out).toContain("<svg");
    expect(out.match(/class="bar"/g)).toHaveLength(6);
    expect(out).not.toMatch(/<script|<link|\ssrc=|href=|@import|url\(/i);
    const evil: RepoTotals = { repository: `acme/<img src=x onerror="alert(1)">`, period: "ALL", runs: 1, attempts: 1, jobs: 1, minutes: 1, costMicros: 6000, unknownMinutes: 0, unknownLabels: [], bySku: { "<b>": { minutes: 1, costMicros: 6000 } } };
    const page = renderHtml([evil], { org: "<acme>", generatedAt: new Date(0) });
    expect(page).not.toContain("<img");
    expect(page).not.toContain("<b>");
    expect(page).toContain("acme/&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(page).toContain("&lt;acme&gt;");
  });

  it("bad flags: one line, exit 2, no stack trace", async () => {
    for (const argv of [[], ["--org", "acme", "--month", "2026-13"], ["--org", "acme", "--format", "pdf"], ["--org", "acme", "--repo", "widgets"], ["--org", "acme", "--nope"], ["--org", "acme", "--repo", "other/widgets"]]) {
      const { code, out, err } = await report(...argv);
      expect({ argv, code }).toEqual({ argv, code: 2 });
      expect(out).toBe("");
      expect(err.trimEnd().split("\n")).toHaveLength(1);
      expect(err).toMatch(/^report: /);
      expect(err).not.toMatch(/\n\s+at /);
    }
  });

  it("--help explains the command and exits 0", async () => {
    const { code, out } = await report("--help");
    expect(code).toBe(0);
    expect(out).toContain("--month <yyyy-mm>");
    expect(out).toContain("Without --month the figures are all-time");
  });
});

describe("totals queries", () => {
  it("use Query only (never Scan) and follow LastEvaluatedKey across pages", async () => {
    const sent: string[] = [];
    const db = new DynamoDBClient({});
    const send = db.send.bind(db);
    db.send = ((command: { constructor: { name: string } }) => {
      sent.push(command.constructor.name);
      return send(command as never);
    }) as typeof db.send;
    const rows = await queryTotals({ org: "acme", pageSize: 2 }, db);
    expect(rows).toHaveLength(6);
    expect(sent.length).toBeGreaterThanOrEqual(3);
    expect(new Set(sent)).toEqual(new Set(["QueryCommand"]));
    db.destroy();
  });
});

describe("format helpers", () => {
  const cols = [
    { key: "name", value: (r: { name: string; n: number }) => r.name },
    { key: "n", value: (r: { name: string; n: number }) => r.n },
  ];

  it("csv quotes separators and neutralises spreadsheet formulas, keeping negative numbers", () => {
    expect(renderCsv([{ name: 'a,"b"', n: -1 }, { name: "=SUM(A1)", n: 2 }], cols)).toBe('name,n\r\n"a,""b""",-1\r\n\'=SUM(A1),2\r\n');
  });

  it("printRows renders the same columns as json", () => {
    let text = "";
    printRows([{ name: "x", n: 1 }], cols, "json", { write: (s: string) => (text += s) });
    expect(JSON.parse(text)).toEqual([{ name: "x", n: 1 }]);
  });
});
