import { fitTable } from "../app/chargeback/report-render.js";
import { renderCsv, renderTable, type Column } from "../app/cli/format.js";

/** Names in reports come from other people (workflows, custom properties, profiles): they may not drive a terminal or a spreadsheet. */
const OSC8 = "\u001b]8;;https://evil.example\u0007click me\u001b]8;;\u0007";
const COLOUR = "\u001b[2J\u001b[31mred\u001b[0m\r";
/** Any control character but the table's own line breaks. */
const controls = (s: string): string[] => [...s].filter((c) => (c.charCodeAt(0) < 32 && c !== "\n") || c.charCodeAt(0) === 127);

describe("table output", () => {
  test("terminal escapes (OSC-8 links, colour, clear screen, CR, BEL) are stripped from a fitted report table", () => {
    const out = fitTable(
      ["Workflow", "Cost"],
      [
        [OSC8, "1.00"],
        [COLOUR, "2.00"],
      ],
      [false, true],
    );
    expect(controls(out)).toEqual([]);
    expect(out).toContain("click me");
  });

  test("and from every command's table", () => {
    const cols: Column<{ name: string }>[] = [{ key: "name", value: (r) => r.name }];
    const out = renderTable([{ name: OSC8 }, { name: COLOUR }], cols);
    expect(controls(out)).toEqual([]);
  });
});

describe("csv formula guard", () => {
  const cols: Column<{ v: string }>[] = [{ key: "v", value: (r) => r.v }];
  const cell = (v: string): string => renderCsv([{ v }], cols).split("\r\n")[1]!;

  test.each([
    ["x;=cmd|' /C calc'!A0", "\"x;'=cmd|' /C calc'!A0\""],
    ["a,=1+1", '"a,\'=1+1"'],
    ["a\t@SUM(A1)", '"a\t\'@SUM(A1)"'],
    ["ok;+1", '"ok;\'+1"'],
  ])("a formula after a separator a locale may split on is neutralised: %j", (value, expected) => {
    expect(cell(value)).toBe(expected);
  });

  test("plain text and numbers are unchanged", () => {
    expect(cell("acme/api")).toBe("acme/api");
    expect(cell("-1.5")).toBe("-1.5");
  });
});
