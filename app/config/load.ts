import type { ProbotOctokit } from "probot";
import { readOrgFile } from "./org-file.js";
import { CONFIG_PATH, defaultConfig, parseOnboardingConfig, type ConfigResult } from "./schema.js";
import { readEnv } from "../env.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/**
 * Reads `.github/onboarding.yml` from the org's `.github` repository with the installation's token.
 * Absent file or repository -> the `DEFAULT_TEAMS` fallback. A file the admin must fix is a config problem; a
 * GitHub outage throws so that the delivery fails and can be redelivered.
 */
export async function loadOnboardingConfig(octokit: Octokit, org: string, defaultTeams = readEnv().DEFAULT_TEAMS): Promise<ConfigResult> {
  const read = await readOrgFile(octokit, org, CONFIG_PATH);
  if (!read.ok) return read;
  return read.text === null ? defaultConfig(defaultTeams) : parseOnboardingConfig(read.text, read.file);
}
