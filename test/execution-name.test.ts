import { executionName, memberExecutionName, runExecutionName } from "../app/dispatch/execution-name.js";

describe("execution names", () => {
  test("deterministic, valid charset, at most 80 characters", () => {
    const a = memberExecutionName("6a1b2c3d-0000-11ef-8e3f-123456789abc", "acme", "alice-dev");
    expect(a).toBe(memberExecutionName("6a1b2c3d-0000-11ef-8e3f-123456789abc", "acme", "alice-dev"));
    expect(a).toMatch(/^onboard-[0-9a-f]{16}-acme-alice-dev$/);
    const long = memberExecutionName("d", "o".repeat(39), `${"l".repeat(39)}[bot]`);
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  test("another delivery is another execution; the login is case-insensitive", () => {
    expect(memberExecutionName("d1", "acme", "alice")).not.toBe(memberExecutionName("d2", "acme", "alice"));
    expect(memberExecutionName("d1", "acme", "Alice")).toBe(memberExecutionName("d1", "ACME", "alice"));
  });

  test("runs: unique part first, so truncation cannot collide", () => {
    const a = runExecutionName(`acme/${"r".repeat(100)}`, 123456789012, 1);
    const b = runExecutionName(`acme/${"r".repeat(100)}`, 123456789012, 2);
    expect(a).toMatch(/^cost-123456789012-1-acme_r+$/);
    expect(a.length).toBe(80);
    expect(a).not.toBe(b);
    expect(executionName("x", "a b/c", ["d.e"])).toBe("x-a-b-c-d-e");
  });
});
