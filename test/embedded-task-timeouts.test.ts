import { afterEach, describe, expect, jest, test } from "@jest/globals";
import { StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import { RUNNER_TASK_TIMEOUT_SECONDS, withoutTaskTimeouts } from "../infra/local/task-router.js";

/**
 * Step Functions gives a Task without TimeoutSeconds 99,999,999 s; the engine library gives it 60 s. The embedded
 * engine enforces each Task's own TimeoutSeconds itself and gives the library the longest timer Node holds, so that a
 * child execution or a task that takes more than a minute does not fail on the embedded engine only.
 */
const machine = {
  StartAt: "Long",
  States: {
    Long: { Type: "Task", Resource: "arn:aws:states:::states:startExecution.sync:2", Parameters: {}, Next: "Each" },
    Each: {
      Type: "Map",
      ItemsPath: "$.items",
      ItemProcessor: { StartAt: "Inner", States: { Inner: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", TimeoutSeconds: 30, End: true } } },
      End: true,
    },
  },
};

afterEach(() => {
  jest.useRealTimers();
});

describe("task timeouts on the embedded engine", () => {
  test("every Task, in Map bodies too, gets the longest timer for the library; its own TimeoutSeconds is enforced by the engine", () => {
    const def = withoutTaskTimeouts(machine) as unknown as typeof machine & { States: { Long: { TimeoutSeconds?: number } } };
    expect(def.States.Long.TimeoutSeconds).toBe(RUNNER_TASK_TIMEOUT_SECONDS);
    expect(def.States.Each.ItemProcessor.States.Inner.TimeoutSeconds).toBe(RUNNER_TASK_TIMEOUT_SECONDS);
    // Beyond 2^31-1 ms a Node timer fires at once: the longest one that holds.
    expect(RUNNER_TASK_TIMEOUT_SECONDS * 1000).toBeLessThanOrEqual(0x7fffffff);
    expect(machine.States.Each.ItemProcessor.States.Inner.TimeoutSeconds).toBe(30);
  });

  test("a task of 90 s succeeds, where the library alone fails it at 60 s", async () => {
    jest.useFakeTimers();
    const def = { StartAt: "Slow", States: { Slow: { Type: "Task", Resource: "arn:aws:lambda:us-east-1:000000000000:function:slow", End: true } } };
    const slow = (): Promise<string> => new Promise((resolve) => setTimeout(() => resolve("done"), 90_000));
    const outcome = async (d: object): Promise<unknown> => {
      const run = new StateMachine(d as StateMachineDefinition).run({}, { overrides: { taskResourceLocalHandlers: { Slow: slow } } });
      const settled = run.result.then(
        (v) => ({ ok: v }),
        (e: Error) => ({ error: (e.cause as Error | undefined)?.name ?? e.name }),
      );
      await jest.advanceTimersByTimeAsync(91_000);
      return settled;
    };
    expect(await outcome(def)).toEqual({ error: "States.Timeout" });
    expect(await outcome(withoutTaskTimeouts(def))).toEqual({ ok: "done" });
  });
});
