import type * as z from "zod";

/** A validation path as a person writes it: `teams[1].role`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(root)";
  return path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), "");
}

/** The first problem of a failed parse, as "field: problem": enough to fix an input, short enough to log. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${fieldPath(issue.path)}: ${issue.message}` : "(root): invalid";
}
