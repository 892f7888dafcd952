import picomatch from "picomatch";
import { exclusionReason } from "../app/config/exclude.js";
import { globMatches } from "../app/config/glob.js";

/** exclude globs come from the org's config: matching must stay bounded whatever the pattern. */
describe("exclude globs", () => {
  const patterns = ["*-contractor", "bot-?", "ci-[a-c]*", "*", "a*b*c", "exact", "*[0-9]", "x??y*", "**z"];
  const logins = ["dave-contractor", "bot-1", "bot-12", "ci-build", "ci-x", "abc", "aXbYc", "EXACT", "user7", "xaby-1", "zzz", "ab"];

  test.each(patterns)("%s matches as picomatch would (case-insensitive)", (pattern) => {
    for (const login of logins) expect([login, globMatches(pattern, login)]).toEqual([login, picomatch.isMatch(login, pattern, { nocase: true, dot: true })]);
  });

  test("a pattern built to backtrack (*a*a*a*a*a*a*a*a*a*a*c) against a 39-character login answers at once", () => {
    const login = "a".repeat(39);
    expect(globMatches("*a*a*a*a*a*a*a*a*a*a*c", login)).toBe(false);
    expect(exclusionReason({ login }, { exclude: ["*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*c", "*a"], excludeBots: true })).toBe(
      "matches exclude pattern '*a'",
    );
  });
});
