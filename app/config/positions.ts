import { isMap, isPair, isScalar, isSeq, type Node } from "yaml";
import { parsedYaml, type YamlDocument } from "./org-file.js";
import type { ConfigProblem } from "./schema.js";

/**
 * Where a problem's field is written in the YAML text: the line (and column) of the value it names, or of the
 * nearest enclosing entry that exists (an unknown or missing key is reported at its mapping). Pure.
 *
 * Fields are written the way the problems name them (`rules[1].when.department`, `rates.Linux 4-core`); keys may
 * themselves contain dots or spaces, so each step takes the longest key of the mapping that the field starts with.
 */
export function locateField(text: string, field: string): { line: number; column: number } {
  return locateIn(parsedYaml(text), field);
}

function locateIn({ doc, lineCounter }: YamlDocument, field: string): { line: number; column: number } {
  const at = (offset: number | undefined): { line: number; column: number } => {
    if (offset === undefined) return { line: 1, column: 1 };
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0];
  let rest = field === "(root)" || field === "(file)" ? "" : field;
  while (rest && node) {
    const index = /^\[(\d+)\]\.?/.exec(rest);
    if (index && isSeq(node)) {
      const item = node.items[Number(index[1])] as Node | undefined;
      if (!item) break;
      node = item;
      offset = item.range?.[0] ?? offset;
      rest = rest.slice(index[0].length);
      continue;
    }
    if (!isMap(node)) break;
    let best: { key: string; pair: (typeof node.items)[number] } | undefined;
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const fits = rest === key || rest.startsWith(`${key}.`) || rest.startsWith(`${key}[`);
      if (fits && (!best || key.length > best.key.length)) best = { key, pair };
    }
    if (!best) break;
    const value = best.pair.value as Node | null;
    rest = rest.slice(best.key.length).replace(/^\./, "");
    // A problem with the value itself is shown at the key's line (what an admin looks for); deeper steps go on.
    offset = (best.pair.key as Node | null)?.range?.[0] ?? offset;
    if (rest && value) {
      node = value;
      offset = value.range?.[0] ?? offset;
    } else break;
  }
  return at(offset);
}

/** Fills in line and column for each problem that does not have them yet, from one parse of the text. Pure. */
export function withPositions(text: string, problems: ConfigProblem[]): ConfigProblem[] {
  // One parse serves every position (a parse per problem was quadratic): the one the check's values came from.
  let parsed: YamlDocument | undefined;
  return problems.map((p) => {
    if (p.line) return p;
    // "unknown field 'x'" is reported on its mapping: the annotation belongs on the key itself.
    const unknown = /^unknown field '([^']+)'/.exec(p.problem);
    const field = unknown ? (p.field === "(root)" ? unknown[1]! : `${p.field}.${unknown[1]!}`) : p.field;
    parsed ??= parsedYaml(text);
    return { ...p, ...locateIn(parsed, field) };
  });
}
