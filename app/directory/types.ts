/** What a company directory knows about a person; every extra column/attribute is copied as a string. */
export interface DirectoryEntry {
  email?: string;
  employeeId?: string;
  department?: string;
  manager?: string;
  title?: string;
  displayName?: string;
  [field: string]: string | undefined;
}

export interface LookupHints {
  /**
   * Email addresses the org's identity provider vouches for (SAML), tried when the login itself is not in the
   * directory. Never the GitHub profile's email: a member writes that about themselves.
   */
  emails: string[];
  /** The member's SAML identity (nameId, username): a SCIM directory matches these before anything else. */
  identities?: string[];
}

export interface Directory {
  /** For records and messages: "file:people.csv", "scim:https://idp.example.com/scim/v2". */
  readonly name: string;
  lookup(login: string, hints: LookupHints): Promise<DirectoryEntry | null>;
}
