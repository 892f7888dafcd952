import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { main } from "../app/cli/members.js";
import { buildMemberRecord, memberItem } from "../app/records/member.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";

let embedded: Embedded;

function buffers() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: { write: (s: string) => out.push(s) }, err: { write: (s: string) => err.push(s) } }, out, err };
}

beforeAll(async () => {
  embedded = await startEmbedded();
  const db = new DynamoDBClient({});
  for (const [login, id, entry] of [
    ["zoe", 2, { email: "zoe@corp.example", employeeId: "E2", department: "Ops", costCenter: "CC7" }],
    ["adam", 1, null],
  ] as const) {
    const input = {
      org: "Acme",
      orgId: 1,
      installationId: 1,
      member: { login, id },
      teams: [{ slug: "eng", role: "member", status: "added" as const }],
      teamProblems: [],
      dryRun: false,
      configSource: "x",
      deliveryId: `d${id}`,
      receivedAt: `2026-11-0${id}T00:00:00.000Z`,
    };
    const record = buildMemberRecord(input, { name: login.toUpperCase() }, null, entry, "file:people.csv", new Date());
    await db.send(new PutItemCommand({ TableName: process.env.TABLE_NAME, Item: memberItem(record) }));
  }
  db.destroy();
});

afterAll(() => embedded.stop());

test("json keeps every stored field, oldest member first; the org is case-insensitive", async () => {
  const b = buffers();
  expect(await main(["--org", "acme", "--format", "json"], b.io)).toBe(0);
  const rows = JSON.parse(b.out.join("")) as Array<Record<string, unknown>>;
  expect(rows.map((r) => r.login)).toEqual(["adam", "zoe"]);
  expect(rows[0]).toMatchObject({ enrichment: "not_found", name: "ADAM" });
  expect(rows[1]).toMatchObject({ email: "zoe@corp.example", employeeId: "E2", department: "Ops", enrichment: "found", directory: { costCenter: "CC7" } });
});

test("csv has a header and one line per member", async () => {
  const b = buffers();
  expect(await main(["--org", "acme", "--format", "csv"], b.io)).toBe(0);
  const lines = b.out.join("").trim().split("\r\n");
  expect(lines[0]).toBe("login,name,email,employeeId,department,manager,teams,enrichment,joinedAt");
  expect(lines[2]).toContain("zoe,ZOE,zoe@corp.example,E2,Ops,,eng:added,found,2026-11-02");
});

test("an unknown org prints a note, a bad flag exits 2 with one line", async () => {
  const b = buffers();
  expect(await main(["--org", "nobody"], b.io)).toBe(0);
  expect(b.err.join("")).toContain("No members stored for nobody");
  const c = buffers();
  expect(await main(["--org", "acme", "--format", "xml"], c.io)).toBe(2);
  expect(c.err.join("")).toMatch(/^members: .*xml.*\(see --help\)\n$/);
});
