import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { DescribeExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { startEmbedded } from "../infra/local/embedded.js";

/** `npx org-flows start`'s data folder: the table and the executions outlive a restart, and an interrupted execution resumes. */
test("data survives a restart and an execution left RUNNING by a crash is run again", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "embedded-"));
  const first = await startEmbedded({ dataDir });
  const db = new DynamoDBClient({});
  await db.send(new PutItemCommand({ TableName: process.env.TABLE_NAME, Item: { pk: { S: "ORG#acme" }, sk: { S: "MEMBER#kim" }, login: { S: "kim" } } }));
  db.destroy();
  const arn = process.env.MEMBER_ONBOARDING_STATE_MACHINE_ARN!;
  await first.stop();

  // What a process killed mid-execution leaves behind: the execution saved as RUNNING, no history.
  const name = "onboard-crashed";
  const input = {
    org: "acme",
    orgId: 1,
    installationId: 1,
    member: { login: "kim", id: 1 },
    teams: [],
    teamProblems: [],
    dryRun: true,
    configSource: "x",
    configError: "x: teams: broken",
    deliveryId: "d",
    receivedAt: "2026-11-20T00:00:00Z",
  };
  mkdirSync(join(dataDir, "executions"), { recursive: true });
  writeFileSync(
    join(dataDir, "executions", `member-onboarding__${name}.json`),
    JSON.stringify({
      executionArn: `${arn.replace(":stateMachine:", ":execution:")}:${name}`,
      stateMachineArn: arn,
      name,
      status: "RUNNING",
      startDate: 1,
      input: JSON.stringify(input),
      events: [],
    }),
  );

  const second = await startEmbedded({ dataDir, resume: true });
  try {
    await second.idle();
    const db2 = new DynamoDBClient({});
    const got = await db2.send(new GetItemCommand({ TableName: process.env.TABLE_NAME, Key: { pk: { S: "ORG#acme" }, sk: { S: "MEMBER#kim" } } }));
    db2.destroy();
    expect(got.Item?.login?.S).toBe("kim");
    const sfn = new SFNClient({});
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn: `${arn.replace(":stateMachine:", ":execution:")}:${name}` }));
    sfn.destroy();
    expect(d.status).toBe("FAILED");
    expect(d.error).toBe("InvalidConfiguration");
    const [msg, ...more] = second.outbox.read();
    expect(more).toEqual([]);
    expect(msg?.message).toContain(`Execution: ${name}`);
    expect(msg?.message).toContain("Error: InvalidConfiguration");
    expect(msg?.message).toContain("Cause: x: teams: broken");
  } finally {
    await second.stop();
  }
});
