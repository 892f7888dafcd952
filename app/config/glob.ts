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
