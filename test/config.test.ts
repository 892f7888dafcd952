import { exclusionReason } from "../app/config/exclude.js";
import { defaultConfig, formatProblem, parseOnboardingConfig } from "../app/config/schema.js";

describe("onboarding config", () => {
  test("slugs and {slug, role} entries, defaults filled in", () => {
    const r = parseOnboardingConfig("teams:\n  - Engineering\n  - slug: platform\n    role: maintainer\n");
    expect(r).toEqual({
      ok: true,
      config: {
        teams: [
          { slug: "engineering", role: "member" },
          { slug: "platform", role: "maintainer" },
        ],
        exclude: [],
        excludeBots: true,
        dryRun: false,
        rules: [],
        maxChanges: 50,
        source: ".github/onboarding.yml",
      },
    });
  });

  test("a bad role names the file, the field and the problem", () => {
    const r = parseOnboardingConfig("teams:\n  - staff\n  - slug: admins\n    role: owner\n", "acme/.github:.github/onboarding.yml");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(formatProblem(r.error)).toBe("acme/.github:.github/onboarding.yml: teams[1].role: must be one of member, maintainer");
  });

  test("an unknown key is refused rather than ignored", () => {
    const r = parseOnboardingConfig("team:\n  - staff\n");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ field: "(root)", problem: "unknown field 'team'" });
  });

  test("YAML syntax errors give the line", () => {
    const r = parseOnboardingConfig("teams: [staff\n");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.field).toMatch(/^line \d+, column \d+$/);
  });

  test("wrong types are reported per field", () => {
    const r = parseOnboardingConfig("teams: staff\ndryRun: yes-please\n");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.field).toBe("teams");
    const s = parseOnboardingConfig("teams: []\nexclude: ['bad login!']\n");
    expect(s.ok).toBe(false);
    if (!s.ok) expect(s.error.field).toBe("exclude[0]");
  });

  test("a slug with spaces is refused", () => {
    const r = parseOnboardingConfig("teams:\n  - slug: my team\n");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.field).toBe("teams[0].slug");
  });

  test("an empty file is an empty config", () => {
    const r = parseOnboardingConfig("");
    expect(r.ok && r.config.teams).toEqual([]);
  });

  test("DEFAULT_TEAMS fallback: comma-separated slugs", () => {
    const r = defaultConfig(" everyone, design ,,");
    expect(r.ok && r.config.teams.map((t) => t.slug)).toEqual(["everyone", "design"]);
    expect(r.ok && r.config.source).toBe("DEFAULT_TEAMS");
    expect(defaultConfig(undefined).ok).toBe(true);
    expect(defaultConfig("bad slug").ok).toBe(false);
  });
});

describe("exclusion", () => {
  const config = (over: object = {}) => ({ teams: [], exclude: ["*-contractor", "Temp?"], excludeBots: true, dryRun: false, source: "x", ...over });
  test("bots are excluded by default, by type or [bot] suffix", () => {
    expect(exclusionReason({ login: "ci", type: "Bot" }, config())).toMatch(/bot/);
    expect(exclusionReason({ login: "renovate[bot]", type: "User" }, config())).toMatch(/bot/);
    expect(exclusionReason({ login: "renovate[bot]" }, config({ excludeBots: false }))).toBeNull();
  });
  test("globs match case-insensitively, like GitHub logins", () => {
    expect(exclusionReason({ login: "Dave-Contractor" }, config())).toMatch(/\*-contractor/);
    expect(exclusionReason({ login: "temp1" }, config())).toMatch(/Temp\?/);
    expect(exclusionReason({ login: "alice" }, config())).toBeNull();
  });
});
