import type { Context } from "probot";
import type { Deadline } from "../deadline.js";
import { CHECK_NAME, CHECKED_FILES, checkConfigChange, type ChangedConfigFile } from "../config/check.js";
import { CONFIG_REPO, readOrgFile } from "../config/org-file.js";
import { onboardingProblems } from "../config/schema.js";
import { deliveryOctokit, type Octokit, SCOPES } from "../github/octokit.js";
import { httpStatusOf } from "../http-status.js";
import { guardOctokit } from "../webhook/github-calls.js";
import { parsePullRequest } from "../webhook/pull-request-payload.js";

async function fileAt(octokit: Octokit, org: string, path: string, ref: string): Promise<{ text: string | null; problem?: string }> {
  const read = await readOrgFile(octokit, org, path, ref);
  // A file the app may not read, or too large, is a problem of the change like any other.
  return read.ok ? { text: read.text } : { text: null, problem: read.error.problem };
}

async function orgTeams(octokit: Octokit, org: string): Promise<string[] | null> {
  try {
    const teams = await octokit.paginate(octokit.rest.teams.list, { org, per_page: 100 });
    // Secret teams are visible to org members only: a pull request (from a fork too) may not learn their names.
    return teams.filter((t) => t.privacy !== "secret").map((t) => t.slug);
  } catch (err) {
    if (httpStatusOf(err) === 403 || httpStatusOf(err) === 404) return null;
    throw err;
  }
}

/**
 * pull_request (opened, synchronize, reopened) in the org's `.github` repository: when the change touches
 * `.github/onboarding.yml` or `.github/chargeback.yml`, a check run named `org-flows config` on the head commit
 * says whether the files validate (one annotation per problem, at its line) and what the change would do. The
 * check run shows nothing derived from stored members or the directory (app/config/check.ts, CheckFacts).
 */
export async function onPullRequest(context: Context<"pull_request">, deadline: Deadline): Promise<void> {
  const parsed = parsePullRequest(context.payload);
  if (!parsed.ok) {
    context.log.warn({ event: "pull_request", delivery: context.id, reason: parsed.reason }, `pull_request payload not usable: ignored (${parsed.reason})`);
    return;
  }
  const { repository, pull_request: pr, installation } = parsed.payload;
  if (repository.name.toLowerCase() !== CONFIG_REPO) return;
  const org = repository.owner.login;
  const repo = repository.name;
  const log = context.log.child({ org, pull: pr.number, delivery: context.id });
  // Not the delivery's token (every repository the App may reach): one minted for the .github repository alone,
  // with what the check does there (read the files, list the pull request's files and the org's teams, write the
  // check run). A pull request's content cannot steer the app to any other repository.
  const octokit = await deliveryOctokit(installation.id, SCOPES.configCheck);
  guardOctokit(octokit, deadline);

  const changed = await octokit.paginate(octokit.rest.pulls.listFiles, { owner: org, repo, pull_number: pr.number, per_page: 100 });
  const relevant = changed.filter(
    (f) =>
      (CHECKED_FILES as readonly string[]).includes(f.filename) ||
      (f.previous_filename !== undefined && (CHECKED_FILES as readonly string[]).includes(f.previous_filename)),
  );
  if (relevant.length === 0) return;

  const files: ChangedConfigFile[] = [];
  for (const path of CHECKED_FILES) {
    const f = relevant.find((x) => x.filename === path || x.previous_filename === path);
    if (!f) continue;
    const deleted = f.status === "removed" || (f.filename !== path && f.previous_filename === path);
    const [head, base] = await Promise.all([
      deleted ? Promise.resolve<{ text: string | null; problem?: string }>({ text: null }) : fileAt(octokit, org, path, pr.head.sha),
      fileAt(octokit, org, path, pr.base.sha),
    ]);
    files.push({ path, head: head.text, base: base.text, ...(head.problem ? { headProblem: head.problem } : {}) });
  }

  const onboarding = files.find((f) => f.path === CHECKED_FILES[0] && f.head !== null);
  const config = onboarding?.head ? onboardingProblems(onboarding.head).config : undefined;
  const teams = config ? await orgTeams(octokit, org) : null;
  const outcome = checkConfigChange({ org, files, orgTeams: teams });
  await octokit.rest.checks.create({
    owner: org,
    repo,
    name: CHECK_NAME,
    head_sha: pr.head.sha,
    status: "completed",
    conclusion: outcome.conclusion,
    completed_at: new Date().toISOString(),
    output: { title: outcome.title, summary: outcome.summary, annotations: outcome.annotations },
  });
  log.info({ conclusion: outcome.conclusion, problems: outcome.annotations.length }, "config check run created");
}
