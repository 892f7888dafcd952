import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";

/** The shape of machines/workflow-run-cost.asl.json that atomic, idempotent recording and redrive rely on. */
interface State {
  Type: string;
  Resource?: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  TimeoutSeconds?: number;
  Parameters?: Record<string, unknown>;
  Retry?: Array<{ ErrorEquals: string[]; JitterStrategy?: string; BackoffRate?: number; MaxAttempts?: number }>;
  Catch?: Array<{ ErrorEquals: string[]; Next: string; ResultPath?: string | null }>;
  Choices?: Array<{ Next: string; Variable?: string }>;
}

const text = readFileSync(new URL("../machines/workflow-run-cost.asl.json", import.meta.url), "utf8");
const def = JSON.parse(text) as { StartAt: string; States: Record<string, State> };
const S = def.States;
const s = (name: string): State => {
  const state = S[name];
  if (!state) throw new Error(`no state ${name}`);
  return state;
};
const TRANSACT = "arn:aws:states:::aws-sdk:dynamodb:transactWriteItems";

describe("workflow-run-cost.asl.json", () => {
  it("prices, then records the attempt and every aggregate in one transaction", () => {
    expect(def.StartAt).toBe("Price");
    expect(s("Price").Next).toBe("RecordFirstOfRun");
    for (const [name, variant] of [
      ["RecordFirstOfRun", "firstOfRun"],
      ["RecordRepeatOfRun", "repeatOfRun"],
    ] as const) {
      expect(s(name).Resource).toBe(TRANSACT);
      expect(s(name).Parameters).toEqual({
        "TransactItems.$": `$.priced.recording.${variant}.items`,
        "ClientRequestToken.$": `$.priced.recording.${variant}.token`,
      });
      expect(s(name).Next).toBe("AfterRecording");
    }
    // No single-item writes of aggregates anywhere: they could not be made exact by conditions alone. The only
    // single-item writes are the remembered settings and the budget-alert markers (conditional, not amounts).
    const writes = [
      ...text.matchAll(
        /"([A-Za-z]+)":\s*\{\s*(?:"Comment":\s*"[^"]*",\s*)?"Type":\s*"Task",\s*"Resource":\s*"arn:aws:states:::dynamodb:(?:putItem|updateItem)"/g,
      ),
    ].map((m) => m[1]);
    expect(writes.sort()).toEqual(["ClaimBudgetAlert", "MarkBudgetAlertSent", "MarkBudgetAlertUnconfirmed", "RememberSettings"]);
    expect(JSON.stringify(def)).not.toMatch(/"Item\.\$":"\$\.priced\.recording/);
  });

  it("a cancelled transaction is explained by consistent reads, never retried blindly: recorded -> stop, run counted -> repeat variant", () => {
    for (const name of ["RecordFirstOfRun", "RecordRepeatOfRun"]) {
      expect(s(name).Catch).toEqual([
        { ErrorEquals: ["DynamoDb.TransactionCanceledException", "DynamoDb.IdempotentParameterMismatchException"], ResultPath: null, Next: "CountTry" },
      ]);
      expect(s(name).Retry?.flatMap((r) => r.ErrorEquals)).not.toContain("DynamoDb.TransactionCanceledException");
    }
    expect(s("LookUpAttempt").Parameters).toMatchObject({ "Key.$": "$.priced.recording.runKey", ConsistentRead: true });
    expect(s("AttemptRecorded").Choices?.[0]).toMatchObject({ Variable: "$.lookup.Item", Next: "AlreadyRecorded" });
    // Recorded already: nothing is added, but the budgets are still checked (an interrupted execution's alert).
    expect(s("AlreadyRecorded")).toMatchObject({ Type: "Pass", Next: "AfterRecording" });
    expect(s("LookUpRunSeen").Parameters).toMatchObject({ "Key.$": "$.priced.recording.runSeenKey", ConsistentRead: true });
    expect(s("RunCounted").Choices?.[0]).toMatchObject({ Variable: "$.lookup.Item", Next: "RecordRepeatOfRun" });
    expect(s("RunCounted").Default).toBe("RecordFirstOfRun");
    expect(s("TooManyTries").Choices?.[0]?.Next).toBe("RecordingConflict");
    expect(s("RecordingConflict").Type).toBe("Fail");
  });

  it("state names are unique across the whole definition (the embedded runner routes tasks by name)", () => {
    const names = [...text.matchAll(/"([A-Za-z]+)"\s*:\s*\{\s*(?:"Comment"\s*:\s*"[^"]*",\s*)?"Type"/g)].map((m) => m[1]);
    expect(new Set(names).size).toBe(names.length);
    const count = (states: Record<string, State & { Iterator?: { States: Record<string, State> } }>): number =>
      Object.values(states).reduce((n, x) => n + 1 + (x.Iterator ? count(x.Iterator.States) : 0), 0);
    expect(names.length).toBe(count(S));
  });

  it("Price retries transient errors, timeouts and Lambda service errors with back-off and full jitter", () => {
    const [retry] = s("Price").Retry ?? [];
    expect(retry?.ErrorEquals).toEqual(
      expect.arrayContaining(["TransientError", "States.Timeout", "Sandbox.Timedout", "Lambda.ServiceException", "Lambda.TooManyRequestsException"]),
    );
    expect(retry).toMatchObject({ JitterStrategy: "FULL", BackoffRate: 2 });
  });

  it("retries only the error names AWS raises for each integration, and never a permanent one", () => {
    const sdk = s("RecordFirstOfRun").Retry!.flatMap((r) => r.ErrorEquals);
    expect(sdk).toEqual(
      expect.arrayContaining([
        "DynamoDb.ProvisionedThroughputExceededException",
        "DynamoDb.RequestLimitExceededException",
        "DynamoDb.InternalServerErrorException",
        "DynamoDb.TransactionInProgressException",
      ]),
    );
    const optimized = s("LookUpAttempt").Retry!.flatMap((r) => r.ErrorEquals);
    expect(optimized).toEqual(
      expect.arrayContaining([
        "DynamoDB.ProvisionedThroughputExceededException",
        "DynamoDB.RequestLimitExceededException",
        "DynamoDB.InternalServerErrorException",
      ]),
    );
    const all = Object.values(S).flatMap((x) => (x.Retry ?? []).flatMap((r) => r.ErrorEquals));
    // Names that never occur (the v3 SDK's spellings) or that mean a permanent error (the catch-alls).
    for (const never of [
      "DynamoDB.RequestLimitExceeded",
      "DynamoDB.InternalServerError",
      "DynamoDB.AmazonDynamoDBException",
      "DynamoDb.DynamoDbException",
      "States.ALL",
    ]) {
      expect(all).not.toContain(never);
    }
    expect(s("NotifyUnpricedMinutes").Retry!.flatMap((r) => r.ErrorEquals)).toEqual(
      expect.arrayContaining(["SNS.ThrottledException", "SNS.KMSThrottlingException", "SNS.InternalErrorException"]),
    );
  });

  it("nothing is caught into a notify-then-Fail path: a failure stops in its own state, where a redrive resumes", () => {
    const catches = Object.values(S)
      .flatMap((x) => x.Catch ?? [])
      .flatMap((c) => c.ErrorEquals);
    expect(catches).not.toContain("States.ALL");
    expect(catches).not.toContain("States.TaskFailed");
  });

  it("every task has a timeout, and Price's is above its Lambda's 120 s", () => {
    for (const [name, state] of Object.entries(S)) if (state.Type === "Task") expect([name, state.TimeoutSeconds]).toEqual([name, expect.any(Number)]);
    expect(s("Price").TimeoutSeconds).toBeGreaterThan(120);
  });

  it("JSONPath only: no JSONata, Assign or Distributed Map", () => {
    expect(text).not.toMatch(/JSONata|"Assign"|"ItemProcessor"|DISTRIBUTED|\{%/);
  });
});
