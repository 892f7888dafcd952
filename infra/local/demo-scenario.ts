import type { StandinOrg, StandinUser } from "./github-standin.js";

/** The demo's organisations, people and directory: realistic enough to show every outcome once. */
export const DEMO_INSTALLATION_ID = 4242;

export const DEMO_USERS: StandinUser[] = [
  { login: "alice-dev", id: 5001, name: "Alice Martin", company: "@acme", email: null, samlNameId: "alice.martin@acme.example" },
  { login: "bob-ops", id: 5002, name: "Bob Stone", email: "bob@personal.example" },
  { login: "carol-sec", id: 5003, name: "Carol Diaz", email: null },
  { login: "dave-contractor", id: 5004, name: "Dave Field", email: null },
  { login: "erin-data", id: 5005, name: "Erin Kim", email: null },
  { login: "gina-sec", id: 5006, name: "Gina Park", email: null },
];

/** The broken config a pull request proposes in acme's `.github` repository (line 5: a key the schema does not know). */
export const DEMO_BROKEN_CONFIG = [
  "teams:",
  "  - engineering",
  "  - slug: platform",
  "    role: maintainer",
  "    extra: nope",
  "exclude:",
  "  - '*-contractor'",
  "",
].join("\n");
export const DEMO_BROKEN_CONFIG_LINE = 5;
export const DEMO_PULL = { number: 12, headSha: "1".repeat(40), baseSha: "2".repeat(40) };

export const DEMO_ORGS: StandinOrg[] = [
  {
    login: "acme",
    saml: true,
    // GET /orgs/acme/installation (sync-teams finds the installation with the App's JWT)
    installationId: DEMO_INSTALLATION_ID,
    teams: { engineering: ["bob-ops"], platform: [], security: [] },
    files: {
      ".github/onboarding.yml": [
        "# Teams every new member joins",
        "teams:",
        "  - engineering",
        "  - slug: platform",
        "    role: maintainer",
        "exclude:",
        "  - '*-contractor'",
        "# Teams from the company directory",
        "rules:",
        "  - when: { department: Security }",
        "    teams: [{ slug: security, role: maintainer }]",
        "",
      ].join("\n"),
      ".github/chargeback.yml": [
        "# A repository's `cost-center` custom property names its cost centre; else the first rule that matches.",
        "costCenters:",
        "  web:",
        "    repos: ['acme/web*']",
        "  platform:",
        "    repos: ['acme/infra*']",
        "# The self-hosted fleet's own cost (USD per minute): its minutes are charged to the jobs' repositories.",
        "selfHosted:",
        "  - label: fleet",
        "    usdPerMinute: 0.0015",
        "budgets:",
        "  - scope: cost-center:Payments",
        "    monthlyUsd: 2",
        "    alertAt: [100]",
        "  - scope: org",
        "    monthlyUsd: 50",
        "",
      ].join("\n"),
    },
    // the pull request of the lifecycle scenario: a broken onboarding.yml
    pulls: { [DEMO_PULL.number]: { headSha: DEMO_PULL.headSha, baseSha: DEMO_PULL.baseSha, files: { ".github/onboarding.yml": DEMO_BROKEN_CONFIG } } },
    hostedRunners: [
      { id: 1, name: "linux-16core-builders", platform: "linux-x64", machine_size_details: { id: "16-core", cpu_cores: 16, memory_gb: 64, storage_gb: 600 } },
    ],
  },
  {
    login: "globex",
    teams: { staff: [] },
    files: { ".github/onboarding.yml": "teams:\n  - staff\n  - slug: admins\n    role: owner\n" },
  },
];

/** The company directory, as a CSV an HR export would give. */
export const DEMO_DIRECTORY_CSV = [
  "login,email,employeeId,department,manager,title,costCenter",
  "alice-dev,alice.martin@acme.example,E-1001,Platform Engineering,Grace Hopper,Senior Engineer,CC-420",
  "carol-sec,carol.diaz@acme.example,E-1002,Security,Ada Lovelace,Security Engineer,CC-310",
  "erin-data,erin.kim@globex.example,G-77,Data,Linus T,Analyst,CC-9",
  "gina-sec,gina.park@acme.example,E-1003,Security,Ada Lovelace,Security Engineer,CC-310",
  "",
].join("\n");

function account(login: string, id: number, type = "User"): Record<string, unknown> {
  return {
    login,
    id,
    node_id: `MDQ6VXNlcj${id}`,
    avatar_url: `https://avatars.example/u/${id}`,
    html_url: `https://github.com/${login}`,
    url: `https://api.github.com/users/${login}`,
    type,
    site_admin: false,
  };
}

/** An `organization` webhook with action `member_added`, shaped as GitHub sends it. */
export function memberAddedPayload(org: string, orgId: number, user: { login: string; id: number; type?: string }): Record<string, unknown> {
  return {
    action: "member_added",
    membership: {
      url: `https://api.github.com/orgs/${org}/memberships/${user.login}`,
      state: "active",
      role: "member",
      organization_url: `https://api.github.com/orgs/${org}`,
      user: account(user.login, user.id, user.type),
    },
    organization: {
      login: org,
      id: orgId,
      node_id: `MDEyOk9yZ2FuaXphdGlvbj${orgId}`,
      url: `https://api.github.com/orgs/${org}`,
      repos_url: `https://api.github.com/orgs/${org}/repos`,
      events_url: `https://api.github.com/orgs/${org}/events`,
      hooks_url: `https://api.github.com/orgs/${org}/hooks`,
      issues_url: `https://api.github.com/orgs/${org}/issues`,
      members_url: `https://api.github.com/orgs/${org}/members{/member}`,
      public_members_url: `https://api.github.com/orgs/${org}/public_members{/member}`,
      avatar_url: `https://avatars.example/o/${orgId}`,
      description: `${org} engineering`,
    },
    sender: account("org-admin", 9000),
    installation: { id: DEMO_INSTALLATION_ID, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==" },
  };
}

/** An `organization` webhook with action `member_removed`: the same fields as member_added. */
export function memberRemovedPayload(org: string, orgId: number, user: { login: string; id: number; type?: string }): Record<string, unknown> {
  return { ...memberAddedPayload(org, orgId, user), action: "member_removed" };
}

/** A `pull_request` webhook for the org's `.github` repository. */
export function pullRequestPayload(
  org: string,
  orgId: number,
  pull: { number: number; headSha: string; baseSha: string },
  action = "opened",
): Record<string, unknown> {
  const repo = { id: orgId * 10, name: ".github", full_name: `${org}/.github`, private: false, owner: account(org, orgId, "Organization") };
  return {
    action,
    number: pull.number,
    pull_request: {
      number: pull.number,
      state: "open",
      title: "Change onboarding.yml",
      head: { sha: pull.headSha, ref: "change-onboarding", repo },
      base: { sha: pull.baseSha, ref: "main", repo },
    },
    repository: repo,
    organization: { login: org, id: orgId },
    sender: account("org-admin", 9000),
    installation: { id: DEMO_INSTALLATION_ID, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==" },
  };
}
