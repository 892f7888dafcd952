import { parseOnboardingConfig, type OnboardingConfig } from "../app/config/schema.js";
import { planDrift, syncInputs, withResults, type DriftRow, type TeamState } from "../app/teams/drift.js";
import { desiredTeams, directoryFields, matchingRules, teamsFromRules } from "../app/teams/rules.js";

function config(yaml: string): OnboardingConfig {
  const r = parseOnboardingConfig(yaml);
  if (!r.ok) throw new Error(`${r.error.field}: ${r.error.problem}`);
  return r.config;
}

const RULES = config(
  [
    "teams: [engineering]",
    "rules:",
    "  - when: { department: Platform }",
    "    teams: [platform, { slug: sre, role: maintainer }]",
    "  - when: { department: [Security, SecOps], title: Lead }",
    "    teams: [security-leads]",
    "  - when: { costCenter: CC-420 }",
    "    teams: [{ slug: platform, role: maintainer }]",
    "  - when: { employeeId: 42 }",
    "    teams: [answer]",
    "",
  ].join("\n"),
);

describe("directory rules in onboarding.yml", () => {
  test("parsed: a single value or a list of alternatives, team entries as for teams", () => {
    expect(RULES.rules[0]).toEqual({
      when: { department: ["Platform"] },
      teams: [
        { slug: "platform", role: "member" },
        { slug: "sre", role: "maintainer" },
      ],
    });
    expect(RULES.rules[1]!.when).toEqual({ department: ["Security", "SecOps"], title: ["Lead"] });
    // YAML numbers are compared as the text the directory gives
    expect(RULES.rules[3]!.when).toEqual({ employeeId: ["42"] });
    expect(RULES.maxChanges).toBe(50);
    expect(config("maxChanges: 5\n").maxChanges).toBe(5);
  });

  test.each([
    ["rules:\n  - when: {}\n    teams: [a]\n", "rules[0].when", /at least one directory field/],
    ["rules:\n  - when: { department: Platform }\n    teams: []\n", "rules[0].teams", /at least one team/],
    ["rules:\n  - when: { department: Platform }\n", "rules[0].teams", /./],
    ["rules:\n  - when: { department: { nested: 1 } }\n    teams: [a]\n", "rules[0].when.department", /a value, or a list/],
    ["rules:\n  - when: { department: Platform }\n    teams: [a]\n    extra: 1\n", "rules[0]", /unknown field 'extra'/],
    ["rules:\n  - when: { department: Platform }\n    teams: [{ slug: a, role: owner }]\n", "rules[0].teams[0].role", /must be one of member, maintainer/],
    ["maxChanges: 0\n", "maxChanges", /at least 1/],
  ])("invalid rules are reported with file, field and problem: %j", (yaml, field, problem) => {
    const r = parseOnboardingConfig(yaml, "acme/.github:.github/onboarding.yml");
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.file).toBe("acme/.github:.github/onboarding.yml");
      expect(r.error.field).toBe(field);
      expect(r.error.problem).toMatch(problem);
    }
  });
});

describe("rule matching (pure)", () => {
  test("every field of a rule must match one of its values, exactly", () => {
    expect(matchingRules(RULES.rules, { department: "Platform" })).toEqual([0]);
    expect(matchingRules(RULES.rules, { department: "platform" })).toEqual([]);
    expect(matchingRules(RULES.rules, { department: "SecOps", title: "Lead" })).toEqual([1]);
    expect(matchingRules(RULES.rules, { department: "SecOps", title: "Engineer" })).toEqual([]);
    expect(matchingRules(RULES.rules, { department: "SecOps" })).toEqual([]);
  });

  test("any directory column can be tested, the named fields and the extras alike", () => {
    const m = { department: "Platform", employeeId: "42", directory: { costCenter: "CC-420" } };
    expect(directoryFields(m)).toEqual({ department: "Platform", employeeId: "42", costCenter: "CC-420" });
    expect(matchingRules(RULES.rules, m)).toEqual([0, 2, 3]);
  });

  test("a member the directory does not know matches nothing", () => {
    expect(matchingRules(RULES.rules, {})).toEqual([]);
    expect(teamsFromRules(RULES.rules, {})).toEqual([]);
  });

  test("each team once, maintainer winning; teams already handled are left out", () => {
    const m = { department: "Platform", directory: { costCenter: "CC-420" } };
    expect(teamsFromRules(RULES.rules, m)).toEqual([
      { slug: "platform", role: "maintainer" },
      { slug: "sre", role: "maintainer" },
    ]);
    expect(teamsFromRules(RULES.rules, m, [{ slug: "sre", role: "member" }])).toEqual([{ slug: "platform", role: "maintainer" }]);
    expect(desiredTeams(RULES, m).map((t) => t.slug)).toEqual(["engineering", "platform", "sre"]);
  });
});

describe("team drift plan (pure)", () => {
  const state = (members: string[], pending: string[] = []): TeamState => ({ members: new Set(members), pending: new Set(pending) });
  const cfg = { ...RULES, exclude: ["*-contractor"], excludeBots: true };
  const members = [
    { login: "Ann", department: "Platform" },
    { login: "bob" },
    { login: "dave-contractor", department: "Platform" },
    { login: "ci[bot]", type: "Bot" },
  ];
  const teams = new Map<string, TeamState | null>([
    ["engineering", state(["bob"])],
    ["platform", state([], ["ann"])],
    ["sre", null],
  ]);

  test("add, already and pending (a pending invitation counts as a member); exclusions and missing teams left out", () => {
    const plan = planDrift(members, cfg, teams);
    expect(plan.rows.map((r) => [r.member, r.team, r.action, r.applied])).toEqual([
      ["Ann", "engineering", "add", false],
      ["Ann", "platform", "pending", false],
      ["bob", "engineering", "already", false],
    ]);
    expect(plan.missingTeams).toEqual(["sre"]);
    expect(plan.excluded.map((e) => e.member)).toEqual(["ci[bot]", "dave-contractor"]);
  });

  test("the machine's input holds the additions only, grouped by member; results mark them applied", () => {
    const plan = planDrift(members, cfg, teams);
    expect(syncInputs("acme", 7, plan)).toEqual([
      { org: "acme", installationId: 7, changes: 1, members: [{ login: "Ann", teams: [{ slug: "engineering", role: "member" }] }] },
    ]);
    const rows = withResults(plan.rows, [{ login: "ann", teams: [{ slug: "engineering", status: "added" }] }]);
    expect(rows[0]).toMatchObject({ action: "add", applied: true, status: "added" });
    expect(rows[1]).toMatchObject({ action: "pending", applied: false });
    const failed = withResults(plan.rows, [{ login: "Ann", teams: [{ slug: "engineering", status: "failed", detail: "GitHub answered HTTP 500" }] }]);
    expect(failed[0]).toMatchObject({ applied: false, status: "failed", detail: "GitHub answered HTTP 500" });
  });

  test("the additions are cut into executions of at most 100 each, a member's teams never split", () => {
    const rows: DriftRow[] = Array.from({ length: 250 }, (_, i) => ({
      member: `m${Math.floor(i / 3)}`,
      team: `t${i % 3}`,
      role: "member",
      action: "add",
      applied: false,
    }));
    const inputs = syncInputs("acme", 7, { rows, missingTeams: [], excluded: [] });
    expect(inputs.map((x) => x.changes)).toEqual([99, 99, 52]);
    expect(inputs.flatMap((x) => x.members.map((m) => m.login))).toEqual([...new Set(rows.map((r) => r.member))]);
    expect(inputs.every((x) => x.members.every((m) => m.teams.length === 3 || m.login === "m83"))).toBe(true);
  });
});
