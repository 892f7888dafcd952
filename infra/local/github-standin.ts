import { createPublicKey, generateKeyPairSync, randomBytes, verify, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { JobInput } from "../../app/pricing/types.js";
import { readBody } from "../../app/server/read-body.js";
import { sign } from "../../app/server/signature.js";

/**
 * A GitHub stand-in on loopback for the demo: the handful of REST/GraphQL endpoints the app calls, reached through
 * Probot's GHE_HOST/GHE_PROTOCOL. It checks the App's JWT (RS256 against the App's public key) and the
 * installation tokens it issued, so the demo exercises the real authentication path.
 */
export interface StandinUser {
  login: string;
  id: number;
  name?: string;
  company?: string;
  email?: string | null;
  samlNameId?: string;
}

/** A job as GitHub's "list jobs for a workflow run attempt" returns it: the shape the pricing reads. */
export type StandinJob = JobInput & { name: string; run_attempt: number };

export interface StandinHostedRunner {
  id: number;
  name: string;
  platform: string;
  machine_size_details: { id: string; cpu_cores: number; memory_gb: number; storage_gb: number };
}

export interface StandinOrg {
  login: string;
  /** team slug -> member logins */
  teams: Record<string, string[]>;
  /** files of the org's `.github` repository, by path */
  files?: Record<string, string>;
  saml?: boolean;
  hostedRunners?: StandinHostedRunner[];
  /** team slug -> logins with a pending invitation to it */
  pendingInvitations?: Record<string, string[]>;
  /** pull requests of the org's `.github` repository, by number */
  pulls?: Record<number, StandinPull>;
  /** the App's installation on this org (GET /orgs/{org}/installation); its tokens list `repositories` */
  installationId?: number;
  repositories?: StandinRepository[];
  /** GET /orgs/{org}/members */
  members?: Array<{ login: string; id: number; type?: string }>;
}

export interface StandinRepository {
  id: number;
  name: string;
  visibility: "public" | "private" | "internal";
}

/** A workflow run as GitHub's list-workflow-runs returns it (the fields the app reads). */
export interface StandinRun {
  id: number;
  name: string;
  path: string;
  event: string;
  status: string;
  conclusion: string | null;
  head_branch: string | null;
  actor: { login: string } | null;
  run_attempt: number;
  created_at: string;
  run_started_at: string;
  updated_at: string;
}

/** A pull request of the org's `.github` repository: its commits and the files it changes. */
export interface StandinPull {
  headSha: string;
  baseSha: string;
  /** path -> content at the head commit (null: the pull request deletes it) */
  files: Record<string, string | null>;
}

/** A check run as the app created it. */
export interface StandinCheckRun {
  repo: string;
  name: string;
  head_sha: string;
  status: string;
  conclusion?: string;
  output?: {
    title?: string;
    summary?: string;
    annotations?: Array<{ path: string; start_line: number; end_line: number; annotation_level: string; message: string; title?: string }>;
  };
}

export interface StandinState {
  appId: number;
  publicKeyPem: string;
  orgs: StandinOrg[];
  users: StandinUser[];
  /** "owner/repo#runId#attempt" -> jobs */
  jobs?: Record<string, StandinJob[]>;
  /** "owner/repo" (lower case) -> its workflow runs */
  runs?: Record<string, StandinRun[]>;
}

/** A webhook delivery of the App, as GET /app/hook/deliveries lists it (the id a string: it exceeds 2^53). */
export interface StandinDelivery {
  id: string;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
}

/** Sent as is: JSON text whose delivery ids are bare numbers above 2^53, as GitHub writes them. */
class RawJson {
  constructor(readonly text: string) {}
}

export interface RecordedCall {
  method: string;
  path: string;
  status: number;
}

export interface GitHubStandin {
  host: string;
  calls: RecordedCall[];
  /**
   * GitHub's primary rate limit, for tests: after `calls` more authenticated calls, answer 403 with
   * `x-ratelimit-remaining: 0` and a reset `resetSeconds` ahead, until then.
   */
  rateLimitAfter(calls: number, resetSeconds: number): void;
  /** An outage, for tests: every request whose path and query match answers `status` until called with undefined. */
  failRequests(path: RegExp | undefined, status?: number): void;
  teamMembers(org: string, slug: string): string[];
  /**
   * The App's webhook deliveries (GET /app/hook/deliveries, POST .../attempts). `addDelivery` records one made
   * outside the stand-in (the demo sends it itself); a redelivery is sent, signed, to `setWebhook`'s URL and
   * recorded with that answer.
   */
  addDelivery(d: { event: string; payload: Record<string, unknown>; guid?: string; status?: string; statusCode?: number }): StandinDelivery;
  /** The guid's latest delivery failed (the app was down): GitHub shows it as not OK. */
  failDelivery(guid: string, statusCode?: number): void;
  /** Redeliveries of this guid fail too (the app still cannot take it). */
  failRedeliveriesOf(guid: string): void;
  setWebhook(url: string, secret: string): void;
  deliveries(): StandinDelivery[];
  /** Takes someone out of a team by hand, as an admin would (drift for sync-teams to repair). */
  removeFromTeam(org: string, slug: string, login: string): void;
  /**
   * The member leaves the org (or is removed), as on GitHub: out of every team, and GET /orgs/{org}/memberships/{user}
   * answers 404. Recording a `member_removed` delivery with addDelivery does the same.
   */
  removeMember(org: string, login: string): void;
  /** The member (re)joins the org: active again. Recording a `member_added` delivery does the same. */
  addMember(org: string, login: string): void;
  checkRuns: StandinCheckRun[];
  /**
   * What GitHub's "Create GitHub App" page does with a posted manifest: remembers it and returns the one-time code
   * it redirects to the manifest's `redirect_url` with. `POST /app-manifests/{code}/conversions` then creates the
   * App (a new id and RSA key, which the stand-in accepts from then on) and returns its credentials.
   */
  registerManifest(manifest: Record<string, unknown>): string;
  /** The Apps created from manifests, as the conversion returned them (without the key). */
  createdApps: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

function b64urlJson(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
}

function verifyJwt(token: string, key: KeyObject, appId: number): boolean {
  const [h, p, s] = token.split(".");
  if (!h || !p || !s) return false;
  const ok = verify("RSA-SHA256", Buffer.from(`${h}.${p}`), key, Buffer.from(s, "base64url"));
  if (!ok) return false;
  const claims = b64urlJson(p);
  const now = Math.floor(Date.now() / 1000);
  return String(claims.iss) === String(appId) && Number(claims.exp) > now - 60;
}

export async function startGitHubStandin(state: StandinState): Promise<GitHubStandin> {
  let key = createPublicKey(state.publicKeyPem);
  const manifests = new Map<string, Record<string, unknown>>();
  const createdApps: Array<Record<string, unknown>> = [];
  /** token -> the installation it was issued for */
  const tokens = new Map<string, number>();
  let limit: { left: number; resetSeconds: number; resetAt?: number } | undefined;
  const calls: RecordedCall[] = [];
  const teams = new Map<string, Map<string, Set<string>>>();
  for (const org of state.orgs) {
    teams.set(org.login.toLowerCase(), new Map(Object.entries(org.teams).map(([slug, members]) => [slug, new Set(members.map((m) => m.toLowerCase()))])));
  }
  /** Delivery ids start above 2^53, as GitHub's do. */
  let nextDeliveryId = 2n ** 53n * 1000n;
  const deliveries: Array<StandinDelivery & { payload: Record<string, unknown> }> = [];
  const failingRedeliveries = new Set<string>();
  let webhook: { url: string; secret: string } | undefined;
  const second = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  const publicDelivery = ({ payload: _p, ...d }: StandinDelivery & { payload: unknown }): StandinDelivery => ({ ...d });
  function addDelivery(d: {
    event: string;
    payload: Record<string, unknown>;
    guid?: string;
    status?: string;
    statusCode?: number;
    redelivery?: boolean;
  }): StandinDelivery {
    nextDeliveryId += 1n;
    const rec = {
      id: String(nextDeliveryId),
      guid: d.guid ?? crypto.randomUUID(),
      delivered_at: second(),
      redelivery: d.redelivery ?? false,
      status: d.status ?? "OK",
      status_code: d.statusCode ?? 200,
      event: d.event,
      action: typeof d.payload.action === "string" ? d.payload.action : null,
      payload: d.payload,
    };
    deliveries.push(rec);
    followMembership(d.event, d.payload, rec.redelivery);
    return publicDelivery(rec);
  }
  async function redeliver(original: StandinDelivery & { payload: Record<string, unknown> }): Promise<void> {
    let status = "OK";
    let code = 200;
    if (failingRedeliveries.has(original.guid)) [status, code] = ["Invalid HTTP Response: 503", 503];
    else if (webhook) {
      const body = JSON.stringify(original.payload);
      try {
        const res = await fetch(webhook.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-github-event": original.event,
            "x-github-delivery": original.guid,
            "x-hub-signature-256": sign(webhook.secret, body),
            "user-agent": "GitHub-Hookshot/standin",
          },
          body,
        });
        await res.arrayBuffer();
        code = res.status;
        status = res.ok ? "OK" : `Invalid HTTP Response: ${res.status}`;
      } catch {
        [status, code] = ["failed to connect to host", 0];
      }
    }
    addDelivery({ event: original.event, payload: original.payload, guid: original.guid, status, statusCode: code, redelivery: true });
  }
  /**
   * Org membership: a login listed in the org's `members`, or any known user, is an active member unless they left
   * (removeMember, or a recorded member_removed delivery).
   */
  const left = new Map<string, Set<string>>();
  const leftOf = (org: string): Set<string> => {
    const key = org.toLowerCase();
    if (!left.has(key)) left.set(key, new Set());
    return left.get(key)!;
  };
  const joined = new Map<string, Set<string>>();
  const joinedOf = (org: string): Set<string> => {
    const key = org.toLowerCase();
    if (!joined.has(key)) joined.set(key, new Set());
    return joined.get(key)!;
  };
  function isMember(orgLogin: string, login: string): boolean {
    const l = login.toLowerCase();
    if (leftOf(orgLogin).has(l)) return false;
    const org = orgOf(orgLogin);
    return joinedOf(orgLogin).has(l) || Boolean(org?.members?.some((m) => m.login.toLowerCase() === l)) || state.users.some((u) => u.login.toLowerCase() === l);
  }
  function removeMember(org: string, login: string): void {
    const l = login.toLowerCase();
    leftOf(org).add(l);
    joinedOf(org).delete(l);
    for (const members of teams.get(org.toLowerCase())?.values() ?? []) members.delete(l);
  }
  function addMember(org: string, login: string): void {
    leftOf(org).delete(login.toLowerCase());
    joinedOf(org).add(login.toLowerCase());
  }
  /** A recorded organization delivery says what GitHub did: the membership follows it (a redelivery changes nothing). */
  function followMembership(event: string, payload: Record<string, unknown>, redelivery: boolean): void {
    if (event !== "organization" || redelivery) return;
    const org = (payload.organization as { login?: unknown } | undefined)?.login;
    const login = (payload.membership as { user?: { login?: unknown } } | undefined)?.user?.login;
    if (typeof org !== "string" || typeof login !== "string") return;
    if (payload.action === "member_removed") removeMember(org, login);
    if (payload.action === "member_added") addMember(org, login);
  }
  const checkRuns: StandinCheckRun[] = [];
  const pendingOf = (org: string, slug: string): Set<string> => new Set((orgOf(org)?.pendingInvitations?.[slug] ?? []).map((l) => l.toLowerCase()));
  const orgOf = (login: string): StandinOrg | undefined => state.orgs.find((o) => o.login.toLowerCase() === login.toLowerCase());

  async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
    const text = (await readBody(req, 1024 * 1024))?.toString("utf8");
    if (text === undefined) throw new Error("request too large");
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  }

  async function route(
    req: IncomingMessage,
    _res: ServerResponse,
    url: URL,
    json: Record<string, unknown>,
  ): Promise<[number, unknown, Record<string, string>?]> {
    const auth = req.headers.authorization ?? "";
    const bearer = auth.replace(/^(bearer|token)\s+/i, "");
    const p = url.pathname.replace(/^\/api\/v3/, "");
    let m: RegExpExecArray | null;

    if ((m = /^\/app-manifests\/([^/]+)\/conversions$/.exec(p)) && req.method === "POST") {
      // No authentication, as on GitHub: the code is the secret, valid once.
      const manifest = manifests.get(m[1] ?? "");
      if (!manifest) return [404, { message: "Not Found" }];
      manifests.delete(m[1] ?? "");
      const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
      state.appId += 1;
      key = pair.publicKey;
      const slug = String(manifest.name ?? "app")
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-");
      const app = {
        id: state.appId,
        slug,
        name: manifest.name,
        description: manifest.description,
        html_url: `http://${req.headers.host}/apps/${slug}`,
        events: manifest.default_events ?? [],
        permissions: manifest.default_permissions ?? {},
        hook_attributes: manifest.hook_attributes,
        public: manifest.public,
        client_id: `Iv1.${randomBytes(8).toString("hex")}`,
      };
      createdApps.push(app);
      const secrets = {
        client_secret: randomBytes(20).toString("hex"),
        webhook_secret: randomBytes(20).toString("hex"),
        pem: pair.privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
      };
      return [201, { ...app, ...secrets }];
    }
    if ((m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(p)) && req.method === "POST") {
      if (!verifyJwt(bearer, key, state.appId)) return [401, { message: "A JSON web token could not be decoded" }];
      const token = `ghs_demo${tokens.size + 1}${Math.random().toString(36).slice(2, 10)}`;
      tokens.set(token, Number(m[1]));
      return [201, { token, expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: {}, repository_selection: "all" }];
    }
    if ((m = /^\/orgs\/([^/]+)\/installation$/.exec(p)) && req.method === "GET") {
      if (!verifyJwt(bearer, key, state.appId)) return [401, { message: "A JSON web token could not be decoded" }];
      const org = orgOf(m[1]!);
      if (!org?.installationId) return [404, { message: "Not Found" }];
      return [200, { id: org.installationId, account: { login: org.login, type: "Organization" }, app_id: state.appId }];
    }
    if (p === "/app/hook/deliveries" && req.method === "GET") {
      if (!verifyJwt(bearer, key, state.appId)) return [401, { message: "A JSON web token could not be decoded" }];
      // Newest first; the cursor is opaque to the client, as GitHub's is.
      const sorted = [...deliveries].sort((a, b) => b.delivered_at.localeCompare(a.delivered_at) || (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
      const perPage = Math.min(Number(url.searchParams.get("per_page") ?? 30), 100);
      const from = Number(Buffer.from((url.searchParams.get("cursor") ?? "v1_").slice(3), "base64url").toString() || 0);
      const slice = sorted.slice(from, from + perPage).map(publicDelivery);
      const headers: Record<string, string> = {};
      if (from + perPage < sorted.length) {
        const next = new URL(url.href);
        next.searchParams.set("cursor", `v1_${Buffer.from(String(from + perPage)).toString("base64url")}`);
        headers.link = `<${next.href}>; rel="next"`;
      }
      return [200, new RawJson(JSON.stringify(slice).replace(/"id":"(\d+)"/g, '"id":$1')), headers];
    }
    if ((m = /^\/app\/hook\/deliveries\/(\d+)$/.exec(p)) && req.method === "GET") {
      if (!verifyJwt(bearer, key, state.appId)) return [401, { message: "A JSON web token could not be decoded" }];
      const d = deliveries.find((x) => x.id === m![1]);
      if (!d) return [404, { message: "Not Found" }];
      const detail = {
        ...publicDelivery(d),
        request: { headers: { "X-GitHub-Event": d.event }, payload: d.payload },
        response: { headers: {}, payload: null },
      };
      return [200, new RawJson(JSON.stringify(detail).replace(/"id":"(\d+)"/, '"id":$1'))];
    }
    if ((m = /^\/app\/hook\/deliveries\/(\d+)\/attempts$/.exec(p)) && req.method === "POST") {
      if (!verifyJwt(bearer, key, state.appId)) return [401, { message: "A JSON web token could not be decoded" }];
      const original = deliveries.find((d) => d.id === m![1]);
      if (!original) return [404, { message: "Not Found" }];
      await redeliver(original);
      return [202, {}];
    }
    if (!tokens.has(bearer)) return [401, { message: "Bad credentials" }];
    if (limit) {
      const now = Date.now() / 1000;
      if (limit.resetAt !== undefined && now >= limit.resetAt) limit = undefined;
      else if (limit.left <= 0) {
        limit.resetAt ??= Math.ceil(now + limit.resetSeconds);
        return [403, { message: "API rate limit exceeded for installation." }, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(limit.resetAt) }];
      } else limit.left -= 1;
    }
    const installedOrg = (): StandinOrg | undefined => state.orgs.find((o) => o.installationId !== undefined && o.installationId === tokens.get(bearer));
    const pageOf = <T>(items: T[]): { slice: T[]; headers: Record<string, string> } => {
      const perPage = Math.min(Number(url.searchParams.get("per_page") ?? 30), 100);
      const page = Number(url.searchParams.get("page") ?? 1);
      const last = Math.max(1, Math.ceil(items.length / perPage));
      const headers: Record<string, string> = {};
      if (page < last) {
        const next = new URL(url.href);
        next.searchParams.set("page", String(page + 1));
        headers.link = `<${next.href}>; rel="next"`;
      }
      return { slice: items.slice((page - 1) * perPage, page * perPage), headers };
    };
    const repoJson = (org: StandinOrg, r: StandinRepository) => ({
      id: r.id,
      name: r.name,
      full_name: `${org.login}/${r.name}`,
      private: r.visibility !== "public",
      visibility: r.visibility,
      owner: { login: org.login },
    });

    if (p === "/installation/repositories" && req.method === "GET") {
      const org = installedOrg();
      const repos = (org?.repositories ?? []).map((r) => repoJson(org!, r));
      const { slice, headers } = pageOf(repos);
      return [200, { total_count: repos.length, repositories: slice }, headers];
    }
    if ((m = /^\/orgs\/([^/]+)\/members$/.exec(p)) && req.method === "GET") {
      const org = orgOf(m[1]!);
      if (!org) return [404, { message: "Not Found" }];
      const { slice, headers } = pageOf((org.members ?? []).map((u) => ({ login: u.login, id: u.id, type: u.type ?? "User", site_admin: false })));
      return [200, slice, headers];
    }
    if ((m = /^\/orgs\/([^/]+)\/memberships\/([^/]+)$/.exec(p)) && req.method === "GET") {
      const org = orgOf(m[1]!);
      if (!org || !isMember(org.login, m[2]!)) return [404, { message: "Not Found" }];
      return [200, { state: "active", role: "member", organization: { login: org.login }, user: { login: m[2] } }];
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)$/.exec(p)) && req.method === "GET") {
      const org = orgOf(m[1]!);
      const r = org?.repositories?.find((x) => x.name.toLowerCase() === m![2]!.toLowerCase());
      if (!org || !r) return [404, { message: "Not Found" }];
      return [200, repoJson(org, r)];
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/actions\/runs$/.exec(p)) && req.method === "GET") {
      const all = state.runs?.[`${m[1]}/${m[2]}`.toLowerCase()] ?? [];
      const status = url.searchParams.get("status");
      const created = url.searchParams.get("created");
      let [from, to] = [-Infinity, Infinity];
      if (created) {
        const [a, b] = created.split("..");
        from = Date.parse(a!);
        to = Date.parse(b!);
        if (Number.isNaN(from) || Number.isNaN(to)) return [422, { message: "Validation Failed" }];
      }
      const matching = all
        .filter((r) => (!status || r.status === status || r.conclusion === status) && Date.parse(r.created_at) >= from && Date.parse(r.created_at) <= to)
        .sort((a, b) => b.id - a.id);
      // GitHub returns at most 1,000 results for a filtered search; total_count still gives the true count.
      const { slice, headers } = pageOf(created || status ? matching.slice(0, 1000) : matching);
      return [200, { total_count: matching.length, workflow_runs: slice }, headers];
    }

    if (url.pathname === "/api/graphql" && req.method === "POST") {
      const vars = (json.variables ?? {}) as { org?: string; login?: string };
      const org = orgOf(vars.org ?? "");
      const user = state.users.find((u) => u.login.toLowerCase() === (vars.login ?? "").toLowerCase());
      if (!org?.saml) return [200, { data: { organization: { samlIdentityProvider: null } } }];
      const nodes = user?.samlNameId
        ? [{ samlIdentity: { nameId: user.samlNameId, username: user.samlNameId, emails: [{ value: user.samlNameId, primary: true }] } }]
        : [];
      return [200, { data: { organization: { samlIdentityProvider: { externalIdentities: { nodes } } } } }];
    }
    if ((m = /^\/repos\/([^/]+)\/\.github\/pulls\/(\d+)\/files$/.exec(p)) && req.method === "GET") {
      const pull = orgOf(m[1]!)?.pulls?.[Number(m[2])];
      if (!pull) return [404, { message: "Not Found" }];
      const base = orgOf(m[1]!)?.files ?? {};
      const files = Object.entries(pull.files).map(([filename, text]) => ({
        filename,
        status: text === null ? "removed" : filename in base ? "modified" : "added",
      }));
      const { slice, headers } = pageOf(files);
      return [200, slice, headers];
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/check-runs$/.exec(p)) && req.method === "POST") {
      checkRuns.push({ ...(json as unknown as StandinCheckRun), repo: `${m[1]}/${m[2]}` });
      return [201, { id: checkRuns.length, ...json }];
    }
    if ((m = /^\/repos\/([^/]+)\/\.github\/contents\/(.+)$/.exec(p)) && req.method === "GET") {
      const org = orgOf(m[1]!);
      const path = decodeURIComponent(m[2]!);
      const ref = url.searchParams.get("ref");
      // At a pull request's head commit: its version of the file; anywhere else: the default branch's.
      const pull = ref ? Object.values(org?.pulls ?? {}).find((x) => x.headSha === ref) : undefined;
      const file = pull && path in pull.files ? (pull.files[path] ?? undefined) : org?.files?.[path];
      if (file === undefined) return [404, { message: "Not Found" }];
      const content = Buffer.from(file).toString("base64");
      return [200, { type: "file", name: m[2]!.split("/").pop(), path: m[2], size: Buffer.byteLength(file), encoding: "base64", content }];
    }
    if ((m = /^\/orgs\/([^/]+)\/teams$/.exec(p)) && req.method === "GET") {
      const orgTeams = teams.get(m[1]!.toLowerCase());
      if (!orgTeams) return [404, { message: "Not Found" }];
      const { slice, headers } = pageOf([...orgTeams.keys()].map((slug, i) => ({ id: i + 1, slug, name: slug })));
      return [200, slice, headers];
    }
    if ((m = /^\/orgs\/([^/]+)\/teams\/([^/]+)\/(members|invitations)$/.exec(p)) && req.method === "GET") {
      const team = teams.get(m[1]!.toLowerCase())?.get(m[2]!);
      if (!team) return [404, { message: "Not Found" }];
      const logins = m[3] === "members" ? [...team].sort() : [...pendingOf(m[1]!, m[2]!)].sort();
      const { slice, headers } = pageOf(logins.map((login, i) => ({ id: i + 1, login, type: "User" })));
      return [200, slice, headers];
    }
    if ((m = /^\/orgs\/([^/]+)\/teams\/([^/]+)\/memberships\/([^/]+)$/.exec(p))) {
      const orgTeams = teams.get(m[1]!.toLowerCase());
      const team = orgTeams?.get(m[2]!);
      const login = m[3]!.toLowerCase();
      if (req.method === "GET") {
        if (team && pendingOf(m[1]!, m[2]!).has(login)) return [200, { state: "pending", role: "member", url: url.href }];
        if (!team?.has(login)) return [404, { message: "Not Found" }];
        return [200, { state: "active", role: "member", url: url.href }];
      }
      if (req.method === "PUT") {
        if (!team) return [404, { message: "Not Found" }];
        team.add(login);
        return [200, { state: "active", role: json.role ?? "member", url: url.href }];
      }
    }
    if ((m = /^\/users\/([^/]+)$/.exec(p)) && req.method === "GET") {
      const u = state.users.find((x) => x.login.toLowerCase() === m![1]!.toLowerCase());
      if (!u) return [404, { message: "Not Found" }];
      return [
        200,
        {
          login: u.login,
          id: u.id,
          type: "User",
          name: u.name ?? null,
          company: u.company ?? null,
          email: u.email ?? null,
          location: null,
          created_at: "2020-01-01T00:00:00Z",
        },
      ];
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/actions\/runs\/(\d+)\/attempts\/(\d+)\/jobs$/.exec(p)) && req.method === "GET") {
      const jobs = state.jobs?.[`${m[1]}/${m[2]}#${m[3]}#${m[4]}`.toLowerCase()];
      if (!jobs) return [404, { message: "Not Found" }];
      const perPage = Math.min(Number(url.searchParams.get("per_page") ?? 30), 100);
      const page = Number(url.searchParams.get("page") ?? 1);
      const slice = jobs.slice((page - 1) * perPage, page * perPage);
      const last = Math.max(1, Math.ceil(jobs.length / perPage));
      const headers: Record<string, string> = {};
      if (page < last) {
        const next = new URL(url.href);
        next.searchParams.set("page", String(page + 1));
        const lastUrl = new URL(url.href);
        lastUrl.searchParams.set("page", String(last));
        headers.link = `<${next.href}>; rel="next", <${lastUrl.href}>; rel="last"`;
      }
      return [200, { total_count: jobs.length, jobs: slice }, headers];
    }
    if ((m = /^\/orgs\/([^/]+)\/actions\/hosted-runners$/.exec(p)) && req.method === "GET") {
      const org = orgOf(m[1]!);
      if (!org) return [404, { message: "Not Found" }];
      const runners = org.hostedRunners ?? [];
      return [200, { total_count: runners.length, runners }];
    }
    return [404, { message: "Not Found (the stand-in does not serve this endpoint)" }];
  }

  let outage: { path: RegExp; status: number } | undefined;
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
      let status = 500;
      let payload: unknown = { message: "stand-in error" };
      let headers: Record<string, string> = {};
      try {
        const [s, b, h] = outage?.path.test(`${url.pathname}${url.search}`)
          ? [outage.status, { message: "stand-in outage" }, {}]
          : await route(req, res, url, await body(req));
        status = s;
        payload = b;
        headers = h ?? {};
      } catch (err) {
        payload = { message: (err as Error).message };
      }
      calls.push({ method: req.method ?? "", path: url.pathname.replace(/^\/api\/v3/, ""), status });
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(payload instanceof RawJson ? payload.text : JSON.stringify(payload));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    calls,
    rateLimitAfter(n, resetSeconds) {
      limit = { left: n, resetSeconds };
    },
    failRequests(path, status = 500) {
      outage = path ? { path, status } : undefined;
    },
    teamMembers: (org, slug) => [...(teams.get(org.toLowerCase())?.get(slug) ?? [])].sort(),
    addDelivery: (d) => addDelivery(d),
    failDelivery(guid, statusCode = 503) {
      const latest = deliveries.filter((d) => d.guid === guid).at(-1);
      if (!latest) throw new Error(`no delivery ${guid}`);
      Object.assign(latest, { status: `Invalid HTTP Response: ${statusCode}`, status_code: statusCode });
    },
    failRedeliveriesOf: (guid) => void failingRedeliveries.add(guid),
    setWebhook(url, secret) {
      webhook = { url, secret };
    },
    deliveries: () => deliveries.map(publicDelivery),
    removeFromTeam: (org, slug, login) => {
      teams.get(org.toLowerCase())?.get(slug)?.delete(login.toLowerCase());
    },
    removeMember,
    addMember,
    checkRuns,
    registerManifest(manifest) {
      const code = randomBytes(10).toString("hex");
      manifests.set(code, manifest);
      return code;
    },
    createdApps,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
