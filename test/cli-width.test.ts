// `members` keeps to 120 columns (as the report does); --wide, JSON and CSV show every value in full.
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { main } from "../app/cli/members.js";
import { buildMemberRecord, memberItem } from "../app/records/member.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";

let embedded: Embedded;
const LONG_EMAIL = "maximiliana.featherstonehaugh-worthington@engineering.example-corporation.com";

function buffers() {
  const out: string[] = [];
  return { io: { out: { write: (s: string) => out.push(s) }, err: { write: () => true } }, out };
}

beforeAll(async () => {
  embedded = await startEmbedded();
  const db = new DynamoDBClient({});
  const input = {
    org: "acme",
    orgId: 1,
    installationId: 1,
    member: { login: "maximiliana-featherstonehaugh-worthington", id: 7 },
    teams: ["platform-engineering", "developer-experience", "site-reliability"].map((slug) => ({ slug, role: "member", status: "added" as const })),
    teamProblems: [],
    dryRun: false,
    configSource: "x",
    deliveryId: "d7",
    receivedAt: "2026-11-07T00:00:00.000Z",
  };
  const entry = {
    email: LONG_EMAIL,
    employeeId: "E-000123456",
    department: "Platform Engineering and Developer Productivity",
    manager: "someone.else@example.com",
  };
  const record = buildMemberRecord(input, { name: "Maximiliana Featherstonehaugh-Worthington" }, null, entry, "file:people.csv", new Date());
  await db.send(new PutItemCommand({ TableName: process.env.TABLE_NAME, Item: memberItem(record) }));
  db.destroy();
});

afterAll(() => embedded.stop());

test("the members table fits 120 columns; --wide shows every column in full", async () => {
  const narrow = buffers();
  expect(await main(["--org", "acme"], narrow.io)).toBe(0);
  const lines = narrow.out.join("").trimEnd().split("\n");
  for (const l of lines) expect(l.length).toBeLessThanOrEqual(120);
  expect(lines[1]).toMatch(/login/);
  expect(lines[1]).not.toMatch(/employeeId|manager/);
  expect(narrow.out.join("")).toContain("…");
  expect(narrow.out.join("")).toContain("2026-11-07");

  const wide = buffers();
  expect(await main(["--org", "acme", "--wide"], wide.io)).toBe(0);
  expect(wide.out.join("")).toContain(LONG_EMAIL);
  expect(wide.out.join("")).toContain("E-000123456");
  expect(
    Math.max(
      ...wide.out
        .join("")
        .split("\n")
        .map((l) => l.length),
    ),
  ).toBeGreaterThan(120);
});
