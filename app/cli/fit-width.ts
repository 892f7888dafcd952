// Tables that fit a terminal of 120 columns (as the report's): the widest text columns are shortened with "…" until
// the table fits; `--wide` or the single-record view shows every value in full. Pure.
import type { CellValue, Column } from "./format.js";

export const TABLE_WIDTH = 120;

const text = (v: CellValue): string => (v === null || v === undefined ? "" : String(v));

/** Shortens `s` to `max` characters, the last one an ellipsis. */
export function shorten(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`;
}

/**
 * The columns with the values of `shrinkable` ones shortened so that the rendered table (cli-table3: one space of
 * padding each side and a border between columns) is at most `width` wide. Columns not named keep their values.
 */
export function fitColumns<R>(rows: R[], columns: Column<R>[], shrinkable: readonly string[], width = TABLE_WIDTH, minimum = 8): Column<R>[] {
  const widths = columns.map((c) => Math.max((c.header ?? c.key).length, ...rows.map((r) => text(c.value(r)).length)));
  const total = (): number => widths.reduce((a, b) => a + b, 0) + 3 * columns.length + 1;
  for (;;) {
    if (total() <= width) break;
    let widest = -1;
    columns.forEach((c, i) => {
      if (shrinkable.includes(c.key) && widths[i]! > Math.max(minimum, (c.header ?? c.key).length) && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
    });
    if (widest < 0) break; // nothing left to shorten
    widths[widest]! -= 1;
  }
  return columns.map((c, i) => {
    if (!shrinkable.includes(c.key)) return c;
    const max = widths[i]!;
    return {
      ...c,
      value: (r: R) => {
        const v = c.value(r);
        return typeof v === "string" ? shorten(v, max) : v;
      },
    };
  });
}
