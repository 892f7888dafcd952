// Removes the run's temporary folder made by tmpdir-setup.mjs.
import { rmSync } from "node:fs";

export default function teardown() {
  const dir = process.env.ORG_FLOWS_TEST_TMPDIR;
  if (dir) rmSync(dir, { recursive: true, force: true });
}
