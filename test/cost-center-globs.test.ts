import picomatch from "picomatch";
import { allocate } from "../app/chargeback/allocation.js";
import { DEFAULT_SETTINGS, type ChargebackSettings } from "../app/chargeback/settings.js";
import { parseChargebackConfig } from "../app/config/chargeback.js";
import { expandBraces, MAX_GLOB_ALTERNATIVES, repoGlobMatcher } from "../app/config/glob.js";

/** Cost-centre globs come from the org's chargeback.yml (untrusted): same answers as before, bounded work. */
describe("cost-centre globs", () => {
  const globs = ["acme/infra-*", "acme/web*", "acme/*", "*/api", "acme/{api,web}-*", "ACME/Docs?", "acme/[a-c]*", "!acme/legacy-*", "acme/.github"];
  const repos = [
    "acme/infra-db",
    "acme/web",
    "acme/website",
    "other/api",
    "acme/api-gw",
    "acme/web-ui",
    "acme/docs1",
    "acme/bravo",
    "acme/legacy-x",
    "acme/.github",
    "acmex/api",
  ];

  test.each(globs)("%s matches owner/name as picomatch does (case-insensitive, a star never crosses the slash)", (glob) => {
    const ours = repoGlobMatcher([glob]);
    const theirs = picomatch([glob], { nocase: true, dot: true });
    for (const repo of repos) expect([repo, ours(repo)]).toEqual([repo, theirs(repo)]);
  });

  test("a glob built to backtrack (acme/*a*a*a*a*a*a*a*a*a*a*a*a*c) against a 100-character name answers at once", () => {
    // A regular-expression matcher takes longer than this test's timeout here; the two-pointer matcher is linear.
    const settings: ChargebackSettings = { ...DEFAULT_SETTINGS, costCenters: [{ name: "x", repos: ["acme/*a*a*a*a*a*a*a*a*a*a*a*a*c", "acme/*a"] }] };
    expect(allocate(`acme/${"a".repeat(100)}`, undefined, settings)).toEqual({ costCenter: "x", by: "rule" });
    expect(repoGlobMatcher(["acme/*a*a*a*a*a*a*a*a*a*a*a*a*c"])(`acme/${"a".repeat(100)}`)).toBe(false);
  });

  test(`brace groups that would expand past ${MAX_GLOB_ALTERNATIVES} alternatives are a config problem, not a blow-up`, () => {
    expect(expandBraces("acme/{a,b}-{c,d}")).toEqual(["acme/a-c", "acme/a-d", "acme/b-c", "acme/b-d"]);
    const bomb = `acme/${"{a,b}".repeat(12)}`;
    expect(expandBraces(bomb)).toBeNull();
    const parsed = parseChargebackConfig(`costCenters:\n  web:\n    repos: ['${bomb}']\n`);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems.map((p) => p.problem)).toContain(`must expand to at most ${MAX_GLOB_ALTERNATIVES} alternatives through {a,b}`);
  });
});
