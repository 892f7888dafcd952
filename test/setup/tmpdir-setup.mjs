// Every temporary folder the tests make (data folders, cdk.out, browser profiles) goes under one folder for the run,
// removed by tmpdir-teardown.mjs: repeated runs do not fill the machine's temporary folder. os.tmpdir() reads TMPDIR,
// and the test workers and the processes they start inherit it.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup() {
  const dir = mkdtempSync(join(tmpdir(), "org-flows-tests-"));
  process.env.ORG_FLOWS_TEST_TMPDIR = dir;
  process.env.TMPDIR = dir;
}
