import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";

/** The shape of machines/workflow-run-cost.asl.json that the idempotency and failure handling rely on. */
interface State {
  Type: string;
  Resource?: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Parameters?: Record<string, unknown>;
  Retry?: Array<{ ErrorEquals: string[]; JitterStrategy?: string; BackoffRate?: number; MaxAttempts?: number }>;
  Catch?: Array<{ ErrorEquals: string[]; Next: string; ResultPath?: string | null }>;
  Choices?: Array<{ Next: string }>;
}

const text = readFileSync(new URL("../machines/workflow-run-cost.asl.json", import.meta.url), "utf8");
const def = JSON.parse(text) as { StartAt: string; States: Record<string, State> };
const S = def.States;
const s = (name: string): State => {
  const state = S[name];
  if (!state) throw new Error(`no state ${name}`);
  return state;
};
const CCF = "DynamoDB.ConditionalCheckFailedException";

describe("workflow-run-cost.asl.json", () => {
  it("flows Price -> RecordAttempt -> MarkRunSeen -> AddToTotals -> AddToMonthlyTotals", () => {
    expect(def.StartAt).toBe("Price");
    expect(s("Price").Next).toBe("RecordAttempt");
    expect(s("RecordAttempt").Next).toBe("MarkRunSeen");
    expect(s("MarkRunSeen").Next).toBe("FirstAttemptOfRun");
    expect(s("FirstAttemptOfRun").Next).toBe("AddToTotals");
    expect(s("RunAlreadyCounted").Next).toBe("AddToTotals");
    expect(s("AddToTotals").Next).toBe("AddToMonthlyTotals");
    expect(s("NotifyFailure").Next).toBe("CostingFailed");
    expect(s("CostingFailed").Type).toBe("Fail");
  });

  it("state names are unique across the whole definition (the embedded runner routes tasks by name)", () => {
    const names = [...text.matchAll(/"([A-Za-z]+)"\s*:\s*\{\s*(?:"Comment"\s*:\s*"[^"]*",\s*)?"Type"/g)].map((m) => m[1]);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBe(Object.keys(S).length);
  });

  it("recording is conditional: a repeated execution ends in AlreadyRecorded and adds nothing", () => {
    for (const name of ["RecordAttempt", "MarkRunSeen"]) {
      expect(s(name).Resource).toBe("arn:aws:states:::dynamodb:putItem");
      expect(s(name).Parameters?.ConditionExpression).toBe("attribute_not_exists(pk)");
    }
    expect(s("RecordAttempt").Catch?.[0]).toMatchObject({ ErrorEquals: [CCF], Next: "AlreadyRecorded" });
    expect(s("AlreadyRecorded").Type).toBe("Succeed");
    expect(s("MarkRunSeen").Catch?.[0]).toMatchObject({ ErrorEquals: [CCF], Next: "RunAlreadyCounted" });
    expect(s("FirstAttemptOfRun").Parameters).toEqual({ "allTime.$": "$.priced.totals.allTime.firstRun", "monthly.$": "$.priced.totals.monthly.firstRun" });
    expect(s("RunAlreadyCounted").Parameters).toEqual({ "allTime.$": "$.priced.totals.allTime.repeatRun", "monthly.$": "$.priced.totals.monthly.repeatRun" });
  });

  it("Price retries transient and Lambda service errors with back-off and full jitter", () => {
    const [retry] = s("Price").Retry ?? [];
    expect(retry?.ErrorEquals).toEqual(["TransientError", "Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"]);
    expect(retry).toMatchObject({ JitterStrategy: "FULL", BackoffRate: 2 });
  });

  it("every DynamoDB write retries throttling and internal errors, and any other failure is notified", () => {
    for (const name of ["RecordAttempt", "MarkRunSeen", "AddToTotals", "AddToMonthlyTotals"]) {
      const errors = (s(name).Retry ?? []).flatMap((r) => r.ErrorEquals);
      expect(errors).toEqual(expect.arrayContaining(["DynamoDB.ProvisionedThroughputExceededException", "DynamoDB.ThrottlingException", "DynamoDB.InternalServerError"]));
      expect(s(name).Retry?.[0]?.JitterStrategy).toBe("FULL");
      expect(s(name).Catch?.at(-1)).toMatchObject({ ErrorEquals: ["States.ALL"], Next: "NotifyFailure", ResultPath: "$.error" });
    }
    expect(s("Price").Catch).toEqual([{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "NotifyFailure" }]);
  });

  it("JSONPath only: no JSONata, Assign or Distributed Map", () => {
    expect(text).not.toMatch(/JSONata|"Assign"|"ItemProcessor"|DISTRIBUTED|\{%/);
  });
});
