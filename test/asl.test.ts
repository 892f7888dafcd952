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

  test("every Task retries or is caught, and failures reach a notification", () => {
    const def = JSON.parse(text) as { States: Record<string, { Type: string; Resource?: string; Retry?: unknown[]; Catch?: Array<{ Next: string }> }> };
    for (const [name, s] of Object.entries(def.States)) {
      if (s.Type !== "Task") continue;
      expect({ name, retries: (s.Retry ?? []).length > 0 }).toEqual({ name, retries: true });
      if (s.Resource?.includes("lambda:invoke")) expect(s.Catch?.some((c) => def.States[c.Next]?.Resource === "arn:aws:states:::sns:publish")).toBe(true);
    }
  });
});
