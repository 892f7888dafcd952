import { Writable } from "node:stream";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { createLogger } from "../app/log.js";
import { blockNetwork } from "./helpers/app-env.js";

/** At LOG_LEVEL=debug Probot logs each GitHub request with its body: the body never reaches the log. */
afterEach(() => nock.cleanAll());
// nock's interception outlives this file in its jest worker: leave loopback (the next suites' servers) reachable.
afterAll(() => nock.enableNetConnect());

test("a check run's summary (with an email in it) is not logged at debug level; the request line is", async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const log = createLogger({ ...process.env, LOG_LEVEL: "debug" }, sink as never);
  const octokit = new ProbotOctokit({ auth: "ghs_test", log, retry: { enabled: false }, throttle: { enabled: false } });
  blockNetwork();
  nock("https://api.github.com").post("/repos/acme/.github/check-runs").reply(201, { id: 1 });
  await octokit.rest.checks.create({
    owner: "acme",
    repo: ".github",
    name: "c",
    head_sha: "a".repeat(40),
    output: { title: "t", summary: "alice@acme.example matched" },
  });
  const all = lines.join("");
  expect(all).toContain("GitHub request: POST https://api.github.com/repos/acme/.github/check-runs - 201");
  expect(all).not.toContain("alice@acme.example");
  expect(all).toContain('"body":"[omitted]"');
});
