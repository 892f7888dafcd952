import { readdirSync, readFileSync } from "node:fs";
import validator from "asl-validator";
import { SUBSTITUTION_KEYS, placeholders, substitute } from "../infra/substitutions.js";
import { localSubstitutions } from "../infra/local/embedded.js";

const dir = new URL("../machines/", import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith(".asl.json"));

describe.each(files)("%s", (file) => {
  const text = readFileSync(new URL(file, dir), "utf8");

  test("every placeholder is a known substitution key", () => {
    expect(placeholders(text).filter((p) => !(SUBSTITUTION_KEYS as readonly string[]).includes(p))).toEqual([]);
  });

  test("valid Amazon States Language once substituted (paths and ARNs checked)", () => {
    const definition = JSON.parse(substitute(text, localSubstitutions("org-flows"))) as object;
    // asl-validator mutates its input and turns checks off for an options object without them.
    const result = validator(structuredClone(definition), { checkPaths: true, checkArn: true });
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  test("JSONPath only: no JSONata, no Assign, no task tokens", () => {
    expect(text).not.toMatch(/"QueryLanguage"\s*:\s*"JSONata"|"Assign"|waitForTaskToken|\{%/);
  });

  test("every Task has a timeout and retries; nothing is caught into a Fail, so a failure stays redrivable where it happened", () => {
    const def = JSON.parse(text) as {
      States: Record<string, { Type: string; TimeoutSeconds?: number; Retry?: unknown[]; Catch?: Array<{ ErrorEquals: string[] }> }>;
    };
    for (const [name, s] of Object.entries(def.States)) {
      if (s.Type !== "Task") continue;
      expect({ name, retries: (s.Retry ?? []).length > 0, timeout: typeof s.TimeoutSeconds }).toEqual({ name, retries: true, timeout: "number" });
      expect((s.Catch ?? []).flatMap((c) => c.ErrorEquals)).not.toContain("States.ALL");
    }
  });

  test("every SNS subject stays under 100 characters with the longest values the inputs allow", () => {
    const subjects = [...text.matchAll(/"Subject\.\$": "States\.Format\('([^']*)', ([^"]*)\)"/g)].map((m) => ({ format: m[1]!, args: m[2]!.split(", ") }));
    // A machine that publishes sets a subject built from its input.
    if (text.includes("arn:aws:states:::sns:publish")) expect(subjects.length).toBeGreaterThan(0);
    // The inputs are validated before a machine starts: a login has at most 39 characters, ids are numbers (20 digits),
    // a delivery guid at most 64 characters (app/redelivery/deliveries.ts).
    const longest: Record<string, number> = {
      "$.member.login": 39,
      "$.run.id": 20,
      "$.run.attempt": 20,
      "$.org": 39,
      "$.candidate.guid": 64,
      "$.input.org": 39,
      "$.final.totals.onboarded": 10,
      "$.final.totals.attempts": 10,
      "$.final.totals.failures": 10,
    };
    for (const { format, args } of subjects) {
      let i = 0;
      const filled = format.replace(/\{\}/g, () => "x".repeat(longest[args[i++]!] ?? -1));
      expect(filled.length).toBeLessThan(100);
    }
  });
});
