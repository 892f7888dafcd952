/**
 * Login globs of onboarding.yml (`exclude`): `*` any run of characters, `?` one character, `[a-z0-9]` one of a set.
 * Matched by the two-pointer wildcard algorithm, which backtracks only to the last `*`: at most
 * (pattern length x login length) steps, however the stars are arranged. A regular-expression translation
 * backtracks exponentially on patterns like `*a*a*a*a*a*c` (the org's config is untrusted input). Pure.
 */
type Token = { kind: "star" } | { kind: "any" } | { kind: "set"; test: (c: string) => boolean } | { kind: "char"; c: string };

function compile(pattern: string): Token[] {
  const tokens: Token[] = [];
  const p = pattern.toLowerCase();
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!;
    if (ch === "*") {
      // Consecutive stars are one star.
      if (tokens.at(-1)?.kind !== "star") tokens.push({ kind: "star" });
    } else if (ch === "?") tokens.push({ kind: "any" });
    else if (ch === "[" && p.indexOf("]", i + 2) > i) {
      const end = p.indexOf("]", i + 2);
      const body = p.slice(i + 1, end);
      const ranges: Array<[string, string]> = [];
      for (let j = 0; j < body.length; j++) {
        if (body[j + 1] === "-" && j + 2 < body.length) {
          ranges.push([body[j]!, body[j + 2]!]);
          j += 2;
        } else ranges.push([body[j]!, body[j]!]);
      }
      tokens.push({ kind: "set", test: (c) => ranges.some(([a, b]) => c >= a && c <= b) });
      i = end;
    } else tokens.push({ kind: "char", c: ch });
  }
  return tokens;
}

const compiled = new Map<string, Token[]>();

/** Does the login match the glob? Case-insensitive, as GitHub compares logins. */
export function globMatches(pattern: string, login: string): boolean {
  let tokens = compiled.get(pattern);
  if (!tokens) {
    tokens = compile(pattern);
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(pattern, tokens);
  }
  const s = login.toLowerCase();
  let t = 0;
  let i = 0;
  let starT = -1;
  let starI = 0;
  while (i < s.length) {
    const tok = tokens[t];
    if (tok && tok.kind !== "star" && (tok.kind === "any" || (tok.kind === "char" ? tok.c === s[i] : tok.test(s[i]!)))) {
      t++;
      i++;
    } else if (tok?.kind === "star") {
      starT = t++;
      starI = i;
    } else if (starT >= 0) {
      // Let the last star take one more character and try again from there.
      t = starT + 1;
      i = ++starI;
    } else return false;
  }
  while (tokens[t]?.kind === "star") t++;
  return t === tokens.length;
}

/** Alternatives one repository glob may expand to through `{a,b}`: enough for any list, never a blow-up. */
export const MAX_GLOB_ALTERNATIVES = 64;

/**
 * `{a,b}` alternatives of a glob, innermost first; null when there would be more than MAX_GLOB_ALTERNATIVES
 * (`{a,b}{a,b}...` doubles with each group). Pure.
 */
export function expandBraces(pattern: string): string[] | null {
  let out = [pattern];
  for (;;) {
    const next: string[] = [];
    let changed = false;
    for (const p of out) {
      const open = p.lastIndexOf("{", p.indexOf("}"));
      const close = open < 0 ? -1 : p.indexOf("}", open);
      if (open < 0 || close < 0) {
        next.push(p);
        continue;
      }
      changed = true;
      for (const alt of p.slice(open + 1, close).split(",")) next.push(p.slice(0, open) + alt + p.slice(close + 1));
      if (next.length > MAX_GLOB_ALTERNATIVES) return null;
    }
    if (!changed) return out;
    out = next;
  }
}

/**
 * A matcher of `owner/name` for cost-centre globs: `*`, `?`, `[set]` within one side of the slash (a star never
 * crosses it), `{a,b}` alternatives, a leading `!` for "all but"; case-insensitive; any glob of the list matching
 * is a match. Each side is matched with globMatches, so the work is bounded however the org writes its globs. Pure.
 */
export function repoGlobMatcher(globs: readonly string[]): (fullName: string) => boolean {
  const compiledGlobs = globs.map((glob) => {
    const negated = glob.startsWith("!");
    const sides = (expandBraces(negated ? glob.slice(1) : glob) ?? []).map((alt) => alt.split("/")).filter((s) => s.length === 2);
    return { negated, sides };
  });
  return (fullName) => {
    const [owner, name, ...rest] = fullName.split("/");
    if (owner === undefined || name === undefined || rest.length) return false;
    return compiledGlobs.some(({ negated, sides }) => sides.some(([o, n]) => globMatches(o!, owner) && globMatches(n!, name)) !== negated);
  };
}
