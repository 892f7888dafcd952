import { appCredentials } from "../secrets.js";
import { FileDirectory } from "./file-directory.js";
import { ScimDirectory } from "./scim-directory.js";
import type { Directory } from "./types.js";
import { ConfigurationError } from "../errors.js";

let cached: { key: string; dir: Directory | null } | undefined;

/** The configured company directory, or null when none is configured (members are then stored without it). */
export async function configuredDirectory(env = process.env): Promise<Directory | null> {
  // On AWS the SCIM token lives in the app secret, never in a plaintext environment variable.
  const scimToken = env.DIRECTORY_SCIM_URL && !env.DIRECTORY_SCIM_TOKEN ? (await appCredentials(env)).directoryScimToken : env.DIRECTORY_SCIM_TOKEN;
  return directoryFor({ ...env, DIRECTORY_SCIM_TOKEN: scimToken });
}

function directoryFor(env: NodeJS.ProcessEnv): Directory | null {
  const key = [env.DIRECTORY_FILE, env.DIRECTORY_SCIM_URL, env.DIRECTORY_SCIM_TOKEN].join("|");
  if (cached?.key === key) return cached.dir;
  let dir: Directory | null = null;
  if (env.DIRECTORY_SCIM_URL) {
    if (!env.DIRECTORY_SCIM_TOKEN) {
      throw new ConfigurationError("DIRECTORY_SCIM_URL is set but no token: set DIRECTORY_SCIM_TOKEN, or directoryScimToken in the app secret");
    }
    try {
      new URL(env.DIRECTORY_SCIM_URL);
    } catch {
      throw new ConfigurationError(`DIRECTORY_SCIM_URL is not a URL`);
    }
    dir = new ScimDirectory(env.DIRECTORY_SCIM_URL, env.DIRECTORY_SCIM_TOKEN);
  } else if (env.DIRECTORY_FILE) {
    dir = new FileDirectory(env.DIRECTORY_FILE);
  }
  cached = { key, dir };
  return dir;
}
