import { readdirSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import { build } from "esbuild";
import * as errors from "../app/errors.js";
import { RETRIED_TASK_ERRORS } from "../app/errors.js";
import { TASK_LIST } from "../app/tasks/registry.js";
import { taskStates, type AslMachine } from "../infra/asl.js";
import { entryPath, esbuildOptions, PROJECT_ROOT, WEBHOOK_ENTRY } from "../infra/bundling.js";

/**
 * Rules of the codebase that a reader relies on, checked rather than hoped for: what is deployed depends on nothing
 * deploy-time or command-line, every task a machine calls is in the one registry, and error names are the contract
 * the machines retry by.
 */
const machinesDir = new URL("../machines/", import.meta.url);
const machines = readdirSync(machinesDir)
  .filter((f) => f.endsWith(".asl.json"))
  .map((f) => ({ file: f, def: JSON.parse(readFileSync(new URL(f, machinesDir), "utf8")) as AslMachine }));

const LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke";

describe("deployed code", () => {
  const entries = [WEBHOOK_ENTRY, ...TASK_LIST.map((t) => entryPath(t.entry))];

  test.each(entries.map((e) => [relative(PROJECT_ROOT, e), e]))(
    "%s imports nothing from infra/ or the commands",
    async (_name, entry) => {
      // The same graph esbuild bundles for the Lambda, without writing it.
      const result = await build({ ...esbuildOptions(entry, "/dev/null"), write: false, metafile: true, sourcemap: false });
      const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.includes("node_modules"));
      expect(inputs.length).toBeGreaterThan(0);
      expect(inputs.filter((p) => p.startsWith("infra/") || p.startsWith("app/cli/") || p.startsWith("test/"))).toEqual([]);
    },
    60_000,
  );
});

describe("task registry", () => {
  test("every Lambda task of every machine names a function of the registry", () => {
    const placeholders = new Set(TASK_LIST.map((t) => `\${${t.placeholder}}`));
    const used: string[] = [];
    for (const { file, def } of machines) {
      for (const [state, task] of taskStates(def)) {
        if (task.Resource !== LAMBDA_INVOKE) continue;
        const fn = (task.Parameters as { FunctionName?: string }).FunctionName ?? "";
        expect({ file, state, known: placeholders.has(fn) }).toEqual({ file, state, known: true });
        used.push(fn);
      }
    }
    // and every registered task is used by some machine (a task no machine calls is dead code)
    expect([...placeholders].filter((p) => !used.includes(p))).toEqual([]);
  });

  test("entries exist, are named *.lambda.ts, and have unique names and placeholders", () => {
    for (const t of TASK_LIST) {
      expect(t.entry).toMatch(/^app\/tasks\/[a-z-]+\.lambda\.ts$/);
      expect(readFileSync(entryPath(t.entry), "utf8")).toMatch(/export (async function|function|const) handler\b/);
    }
    expect(new Set(TASK_LIST.map((t) => t.functionName)).size).toBe(TASK_LIST.length);
    expect(new Set(TASK_LIST.map((t) => t.placeholder)).size).toBe(TASK_LIST.length);
  });

  test("each task's Lambda timeout is below the TimeoutSeconds of every state that calls it", () => {
    for (const { def } of machines) {
      for (const [state, task] of taskStates(def)) {
        if (task.Resource !== LAMBDA_INVOKE) continue;
        const fn = (task.Parameters as { FunctionName?: string }).FunctionName;
        const t = TASK_LIST.find((x) => `\${${x.placeholder}}` === fn)!;
        expect({ state, below: t.timeoutSeconds < (task.TimeoutSeconds ?? 0) }).toEqual({ state, below: true });
      }
    }
  });
});

describe("errors module", () => {
  const classes = Object.entries(errors).filter(([, v]) => typeof v === "function") as [string, new (...a: never[]) => Error][];

  test("every error's name equals its class name", () => {
    expect(classes.length).toBeGreaterThan(5);
    for (const [exported, C] of classes) {
      const e = new (C as unknown as new (m: string, o?: object) => Error)("x");
      expect(e.name).toBe(exported);
      expect(e).toBeInstanceOf(Error);
    }
  });

  test("an error keeps what caused it", () => {
    const cause = new Error("socket hang up");
    expect(new errors.TransientError("GitHub jobs", { cause }).cause).toBe(cause);
  });

  test("every Lambda task state retries exactly the task errors the module says are retried, and nothing else of ours", () => {
    const ours = new Set(classes.map(([name]) => name));
    for (const { file, def } of machines) {
      for (const [state, task] of taskStates(def)) {
        const retried = ((task as { Retry?: Array<{ ErrorEquals: string[] }> }).Retry ?? []).flatMap((r) => r.ErrorEquals);
        const caught = ((task as { Catch?: Array<{ ErrorEquals: string[] }> }).Catch ?? []).flatMap((c) => c.ErrorEquals);
        // a name that is neither AWS's (States., Lambda., DynamoDb. ...) nor ours would never match anything
        for (const name of [...retried, ...caught]) {
          expect({ file, state, name, known: name.includes(".") || ours.has(name) }).toEqual({ file, state, name, known: true });
        }
        if (task.Resource !== LAMBDA_INVOKE) continue;
        expect({ file, state, ours: retried.filter((n) => ours.has(n)).sort() }).toEqual({ file, state, ours: [...RETRIED_TASK_ERRORS].sort() });
      }
    }
  });
});
