import { generateKeyPairSync } from "node:crypto";
import nock from "nock";
import { Probot, ProbotOctokit } from "probot";
import orgFlows from "../../app/index.js";
import { resetCredentialsCache } from "../../app/secrets.js";
import { resetInstallationClients } from "../../app/github/octokit.js";

/** One RSA key per test run: Probot and the task Lambdas sign App JWTs with it; nock answers the token exchange. */
export const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();

export function setAppEnv(): void {
  process.env.APP_ID = "123";
  process.env.PRIVATE_KEY = privateKey;
  process.env.WEBHOOK_SECRET = "test-secret";
  delete process.env.GHE_HOST;
  resetCredentialsCache();
  resetInstallationClients();
}

/** A Probot whose Octokit neither retries nor throttles (the object form leaves the write limiter on). */
export async function testProbot(): Promise<Probot> {
  const probot = new Probot({
    appId: 123,
    privateKey,
    secret: "test-secret",
    logLevel: "fatal",
    Octokit: ProbotOctokit.defaults((o: object) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } })),
  });
  await probot.load(orgFlows);
  return probot;
}

/** GitHub answers with an installation token for any installation. */
export function nockInstallationToken(times = 10): nock.Scope {
  return nock("https://api.github.com")
    .post(/\/app\/installations\/\d+\/access_tokens/)
    .times(times)
    .reply(201, { token: "ghs_test", expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: {} });
}

export function blockNetwork(): void {
  nock.disableNetConnect();
  // The embedded backends listen on loopback; everything else (GitHub) must be nocked.
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
}

/** GitHub says every login is an active member of the org (GET /orgs/{org}/memberships/{user}), until cleaned. */
export function nockActiveMembers(): nock.Scope {
  return nock("https://api.github.com")
    .persist()
    .get((path) => /^\/orgs\/[^/]+\/memberships\/[^/?]+$/.test(path))
    .reply(200, { state: "active", role: "member" });
}
