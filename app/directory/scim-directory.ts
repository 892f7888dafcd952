import { networkFailure } from "../network-error.js";
import { timedFetch } from "../outbound.js";
import type { Directory, DirectoryEntry, LookupHints } from "./types.js";
import { ConfigurationError, TransientError, UpstreamError } from "../errors.js";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/** Times out after the outbound call timeout (OUTBOUND_TIMEOUT_MS) or the task's remaining budget. */
const scimFetch = timedFetch("the SCIM directory");

interface ScimUser {
  userName?: string;
  displayName?: string;
  title?: string;
  externalId?: string;
  name?: { formatted?: string; givenName?: string; familyName?: string };
  emails?: Array<{ value?: string; primary?: boolean }>;
  [ENTERPRISE]?: { employeeNumber?: string; department?: string; costCenter?: string; division?: string; manager?: { value?: string; displayName?: string } };
}

/** SCIM 2.0 User -> directory entry. Pure. */
export function scimUserToEntry(u: ScimUser): DirectoryEntry {
  const ent = u[ENTERPRISE] ?? {};
  const email = u.emails?.find((e) => e.primary)?.value ?? u.emails?.[0]?.value;
  const entry: DirectoryEntry = {
    email,
    employeeId: ent.employeeNumber ?? u.externalId,
    department: ent.department,
    manager: ent.manager?.displayName ?? ent.manager?.value,
    title: u.title,
    displayName: u.displayName ?? u.name?.formatted,
    costCenter: ent.costCenter,
    division: ent.division,
  };
  return Object.fromEntries(Object.entries(entry).filter(([, v]) => typeof v === "string" && v !== "")) as DirectoryEntry;
}

/** A SCIM filter value is a quoted string: escape what would end it. */
function quote(v: string): string {
  return `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** `DIRECTORY_SCIM_URL` (the SCIM base, e.g. https://idp.example.com/scim/v2) with bearer `DIRECTORY_SCIM_TOKEN`. */
export class ScimDirectory implements Directory {
  readonly name: string;

  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {
    const u = new URL(baseUrl);
    this.name = `scim:${u.origin}${u.pathname}`;
  }

  private async find(userName: string, attribute: "userName" | "externalId" = "userName"): Promise<DirectoryEntry | null> {
    const url = `${this.baseUrl.replace(/\/$/, "")}/Users?filter=${encodeURIComponent(`${attribute} eq ${quote(userName)}`)}&count=1`;
    let res: Response;
    try {
      res = await scimFetch(url, { headers: { authorization: `Bearer ${this.token}`, accept: "application/scim+json, application/json" } });
    } catch (err) {
      // Timeouts and connection failures are retried by the state machine; anything else (a bad URL) is not.
      const net = networkFailure(err, "the SCIM directory");
      if (net) throw new TransientError(`directory ${this.name}: ${net.message}`, { cause: err });
      throw new ConfigurationError(`directory ${this.name}: ${err instanceof Error ? err.message : String(err)}; check DIRECTORY_SCIM_URL`, { cause: err });
    }
    if (res.status === 404) return null;
    if (res.status === 429 || res.status >= 500) throw new TransientError(`directory ${this.name}: HTTP ${res.status}`);
    if (res.status === 401 || res.status === 403) throw new ConfigurationError(`directory ${this.name}: HTTP ${res.status}; check DIRECTORY_SCIM_TOKEN`);
    if (!res.ok) throw new UpstreamError(`directory ${this.name}: HTTP ${res.status}`);
    let body: { Resources?: ScimUser[] };
    try {
      body = (await res.json()) as { Resources?: ScimUser[] };
    } catch {
      throw new UpstreamError(`directory ${this.name}: the answer is not JSON`);
    }
    const user = body.Resources?.[0];
    return user ? scimUserToEntry(user) : null;
  }

  /**
   * The IdP's identity first (SAML nameId/username as userName, then as externalId, then the SAML emails): a GitHub
   * login is chosen by its owner, and may equal someone else's IdP userName. The login is tried only when the org's
   * IdP vouches for nothing (no SAML identity).
   */
  async lookup(login: string, hints: LookupHints): Promise<DirectoryEntry | null> {
    const identities = [...new Set((hints.identities ?? []).filter(Boolean))];
    const candidates: Array<[string, "userName" | "externalId"]> = [
      ...identities.map((v): [string, "userName"] => [v, "userName"]),
      ...identities.map((v): [string, "externalId"] => [v, "externalId"]),
      ...hints.emails.filter((e) => !identities.includes(e)).map((v): [string, "userName"] => [v, "userName"]),
    ];
    if (identities.length === 0 && hints.emails.length === 0) candidates.push([login, "userName"]);
    for (const [value, attribute] of candidates) {
      const hit = await this.find(value, attribute);
      if (hit) return hit;
    }
    return null;
  }
}
