// aws-local-stepfunctions reads a type test of a Choice rule (`IsNull`, `IsPresent`, `IsString`, ...) as true
// whatever its value: `"IsNull": false` matches null, where Step Functions matches anything but null. The embedded
// engine gives it every definition with such a `false` test written as the `Not` of the `true` one, which the
// library evaluates as AWS does. Pure.

const TYPE_TESTS = ["IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"] as const;

type Rule = Record<string, unknown>;

function rewriteRule(rule: Rule): Rule {
  for (const test of TYPE_TESTS) {
    if (rule[test] === false) {
      const { Next, [test]: _negated, ...rest } = rule;
      const negated = { Not: { ...rest, [test]: true } };
      return Next === undefined ? negated : { ...negated, Next };
    }
  }
  const out: Rule = { ...rule };
  if (Array.isArray(rule.And)) out.And = (rule.And as Rule[]).map(rewriteRule);
  if (Array.isArray(rule.Or)) out.Or = (rule.Or as Rule[]).map(rewriteRule);
  if (rule.Not && typeof rule.Not === "object") out.Not = rewriteRule(rule.Not as Rule);
  return out;
}

interface StatesOf {
  States?: Record<string, Rule>;
}

function rewriteStates(machine: StatesOf): void {
  for (const state of Object.values(machine.States ?? {})) {
    if (Array.isArray(state.Choices)) state.Choices = (state.Choices as Rule[]).map(rewriteRule);
    for (const body of [state.ItemProcessor, state.Iterator]) if (body && typeof body === "object") rewriteStates(body as StatesOf);
    if (Array.isArray(state.Branches)) for (const branch of state.Branches as StatesOf[]) rewriteStates(branch);
  }
}

/** `definition` (changed in place, and returned) with every `Is<Type>: false` choice test written as a `Not`. */
export function withNegatedTypeTests<T extends object>(definition: T): T {
  rewriteStates(definition as StatesOf);
  return definition;
}
