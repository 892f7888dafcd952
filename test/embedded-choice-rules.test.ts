import { describe, expect, test } from "@jest/globals";
import { StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import { withNegatedTypeTests } from "../infra/local/choice-rules.js";

/**
 * Step Functions' type tests in Choice rules: `"IsNull": false` matches a value that is not null, `"IsPresent": false`
 * a path that is absent. The engine library reads any type test as true; the embedded engine rewrites the false ones.
 */
const machine = (): StateMachineDefinition =>
  ({
    StartAt: "Route",
    States: {
      Route: {
        Type: "Choice",
        Choices: [
          { Variable: "$.wait", IsNull: false, Next: "Waits" },
          { And: [{ Variable: "$.cursor", IsPresent: false }, { Not: { Variable: "$.n", IsString: false } }], Next: "NoCursorNamed" },
        ],
        Default: "Other",
      },
      Waits: { Type: "Pass", Result: "waits", End: true },
      NoCursorNamed: { Type: "Pass", Result: "no cursor, n is a string", End: true },
      Other: { Type: "Pass", Result: "other", End: true },
    },
  }) as unknown as StateMachineDefinition;

const route = (def: StateMachineDefinition, input: Record<string, unknown>): Promise<unknown> =>
  new StateMachine(def).run(input as Parameters<StateMachine["run"]>[0]).result;

describe("Choice type tests with false, as AWS evaluates them", () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ wait: "2026-12-07T10:00:00Z", cursor: 1 }, "waits"],
    [{ wait: null, n: "x" }, "no cursor, n is a string"],
    [{ wait: null, cursor: 1, n: "x" }, "other"],
    [{ wait: null, n: 3 }, "other"],
  ];

  test.each(cases)("%j -> %s on the embedded engine", async (input, expected) => {
    expect(await route(withNegatedTypeTests(machine()), input)).toBe(expected);
  });

  test("the engine library alone reads them as true: a non-null wait would not wait", async () => {
    expect(await route(machine(), { wait: "2026-12-07T10:00:00Z", cursor: 1 })).not.toBe("waits");
  });

  test("nested in a Map's body too", () => {
    const def = { StartAt: "M", States: { M: { Type: "Map", ItemProcessor: machine(), End: true } } };
    const out = withNegatedTypeTests(JSON.parse(JSON.stringify(def)) as { States: { M: { ItemProcessor: { States: { Route: { Choices: unknown[] } } } } } });
    expect(out.States.M.ItemProcessor.States.Route.Choices[0]).toEqual({ Not: { Variable: "$.wait", IsNull: true }, Next: "Waits" });
  });
});
