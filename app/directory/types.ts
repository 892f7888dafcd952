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
  /** Email addresses known from SAML or the GitHub profile, tried when the login itself is not in the directory. */
  emails: string[];
}

export interface Directory {
  /** For records and messages: "file:people.csv", "scim:https://idp.example.com/scim/v2". */
  readonly name: string;
  lookup(login: string, hints: LookupHints): Promise<DirectoryEntry | null>;
}
