import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { startEmbedded } from "../infra/local/embedded.js";
import { setAppEnv } from "./helpers/app-env.js";

/** DATA_DIR holds emails and employee ids: the operator's alone, and never a folder someone else controls. */
function walk(dir: string): Array<{ path: string; mode: number; dir: boolean }> {
  const out = [{ path: dir, mode: statSync(dir).mode & 0o777, dir: true }];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...walk(p));
    else out.push({ path: p, mode: st.mode & 0o777, dir: false });
  }
  return out;
}

beforeAll(() => setAppEnv());

test("a new DATA_DIR is 0700 and every file written in it (store, outbox, executions) is 0600", async () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), "modes-")), "data");
  const embedded = await startEmbedded({ dataDir });
  try {
    embedded.outbox.publish({ TopicArn: "arn:aws:sns:us-east-1:000000000000:t", Subject: "s", Message: "alice@acme.example" });
    const sfn = new SFNClient({});
    const input = {
      org: "acme",
      orgId: 1,
      installationId: 1,
      member: { login: "alice", id: 1 },
      teams: [],
      teamProblems: [],
      dryRun: true,
      configSource: "x",
      configError: "x: y: z",
      deliveryId: "d-modes",
      receivedAt: new Date().toISOString(),
    };
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: process.env.MEMBER_ONBOARDING_STATE_MACHINE_ARN, name: "modes", input: JSON.stringify(input) }),
    );
    await embedded.idle();
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe("FAILED");
    sfn.destroy();
  } finally {
    await embedded.stop();
  }
  const entries = walk(dataDir);
  expect(entries.some((e) => e.path.endsWith("sns-outbox.jsonl"))).toBe(true);
  expect(entries.some((e) => e.path.includes("executions") && !e.dir)).toBe(true);
  expect(entries.some((e) => e.path.includes("dynamodb") && !e.dir)).toBe(true);
  expect(entries.filter((e) => (e.mode & 0o077) !== 0).map((e) => `${e.path} ${e.mode.toString(8)}`)).toEqual([]);
  expect(entries[0]!.mode).toBe(0o700);
});

test("a DATA_DIR written by an older version (0755, files 0644) is made private on start", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "modes-old-"));
  chmodSync(dataDir, 0o755);
  mkdirSync(join(dataDir, "executions"), { mode: 0o755 });
  writeFileSync(join(dataDir, "sns-outbox.jsonl"), "", { mode: 0o644 });
  const embedded = await startEmbedded({ dataDir });
  await embedded.stop();
  expect(walk(dataDir).filter((e) => (e.mode & 0o077) !== 0)).toEqual([]);
});

test("a DATA_DIR that belongs to another user is refused with one line, and nothing is written into it", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "modes-other-"));
  const me = process.getuid!();
  // As root the folder is given away; as anyone else, root's own /tmp-like folder stands for "another user".
  const target = me === 0 ? dataDir : "/";
  if (me === 0) chownSync(dataDir, 12345, 12345);
  await expect(startEmbedded({ dataDir: target })).rejects.toMatchObject({
    name: "UsageError",
    message: expect.stringMatching(/^DATA_DIR .* belongs to another user \(uid \d+\)/),
  });
  if (me === 0) expect(readdirSync(dataDir)).toEqual([]);
});
