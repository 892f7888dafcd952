import type { ProbotOctokit } from "probot";
import { CONFIG_PATH, CONFIG_REPO, defaultConfig, parseOnboardingConfig, type ConfigResult } from "./schema.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

function status(err: unknown): number | undefined {
  return typeof err === "object" && err !== null && "status" in err && typeof err.status === "number" ? err.status : undefined;
}

const MAX_CONFIG_BYTES = 64 * 1024;

/**
 * Reads `.github/onboarding.yml` from the org's `.github` repository with the installation's token.
 * Absent file or repository -> the `DEFAULT_TEAMS` fallback. A file that cannot be read for a reason the admin
 * must fix (permissions, a directory, too large) is a config problem; a GitHub outage throws so that the delivery
 * fails and can be redelivered.
 */
export async function loadOnboardingConfig(octokit: Octokit, org: string, defaultTeams = process.env.DEFAULT_TEAMS): Promise<ConfigResult> {
  const file = `${org}/${CONFIG_REPO}:${CONFIG_PATH}`;
  let text: string;
  try {
    const res = await octokit.rest.repos.getContent({ owner: org, repo: CONFIG_REPO, path: CONFIG_PATH });
    const data = res.data;
    if (Array.isArray(data) || data.type !== "file" || !("content" in data)) {
      return { ok: false, error: { file, field: "(file)", problem: "is not a file" } };
    }
    if (data.size > MAX_CONFIG_BYTES) {
      return { ok: false, error: { file, field: "(file)", problem: `is ${data.size} bytes; at most ${MAX_CONFIG_BYTES} allowed` } };
    }
    text = Buffer.from(data.content, "base64").toString("utf8");
  } catch (err) {
    const code = status(err);
    if (code === 404) return defaultConfig(defaultTeams);
    if (code === 401 || code === 403) {
      return { ok: false, error: { file, field: "(file)", problem: `cannot be read by the app (HTTP ${code}): grant it Contents read on ${org}/${CONFIG_REPO}` } };
    }
    throw err;
  }
  return parseOnboardingConfig(text, file);
}
