import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { FileDirectory, parseDirectory } from "../app/directory/file-directory.js";
import { ScimDirectory, scimUserToEntry } from "../app/directory/scim-directory.js";

describe("file directory", () => {
  test("CSV: columns copied, login case-insensitive, unsafe column names dropped", () => {
    const idx = parseDirectory("login,email,employeeId,department,bad col\nAlice,a@x.example,E1,R&D,zzz\n", "csv", "people.csv");
    expect(idx.get("login:alice")).toEqual({ email: "a@x.example", employeeId: "E1", department: "R&D" });
    expect(idx.get("email:a@x.example")).toBe(idx.get("login:alice"));
  });

  test("JSON: numbers become strings, a row without login is a precise error", () => {
    expect(parseDirectory('[{"login":"b","employeeId":7}]', "json", "p.json").get("login:b")).toEqual({ employeeId: "7" });
    expect(() => parseDirectory('[{"email":"x"}]', "json", "p.json")).toThrow('p.json: entry 1 has no "login"');
    expect(() => parseDirectory('{"login":"x"}', "json", "p.json")).toThrow("expected a JSON array");
    expect(() => parseDirectory("[", "json", "p.json")).toThrow("not valid JSON");
  });

  test("lookup falls back to the SAML/GitHub email hints", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dir-"));
    const file = join(dir, "people.csv");
    writeFileSync(file, "login,email,department\nalice-corp,alice@corp.example,Ops\n");
    const d = new FileDirectory(file);
    expect(await d.lookup("alice-gh", { emails: ["ALICE@corp.example"] })).toEqual({ email: "alice@corp.example", department: "Ops" });
    expect(await d.lookup("nobody", { emails: [] })).toBeNull();
  });
});

describe("SCIM directory", () => {
  afterEach(() => nock.cleanAll());

  test("filters by userName with a bearer token and maps the enterprise extension", async () => {
    nock("https://idp.example", { reqheaders: { authorization: "Bearer t0k" } })
      .get("/scim/v2/Users")
      .query({ filter: 'userName eq "alice"', count: "1" })
      .reply(200, {
        Resources: [
          {
            userName: "alice",
            displayName: "Alice M",
            emails: [{ value: "alt@x" }, { value: "alice@corp.example", primary: true }],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
              employeeNumber: "E9",
              department: "Ops",
              manager: { value: "m1", displayName: "Boss" },
            },
          },
        ],
      });
    const d = new ScimDirectory("https://idp.example/scim/v2", "t0k");
    expect(await d.lookup("alice", { emails: [] })).toEqual({
      email: "alice@corp.example",
      employeeId: "E9",
      department: "Ops",
      manager: "Boss",
      displayName: "Alice M",
    });
  });

  test("no match is null; 5xx is transient; 401 is a configuration error", async () => {
    const d = new ScimDirectory("https://idp.example/scim/v2", "t0k");
    nock("https://idp.example").get("/scim/v2/Users").query(true).reply(200, { Resources: [] });
    expect(await d.lookup("zed", { emails: [] })).toBeNull();
    nock("https://idp.example").get("/scim/v2/Users").query(true).reply(503);
    await expect(d.lookup("zed", { emails: [] })).rejects.toMatchObject({ name: "TransientError" });
    nock("https://idp.example").get("/scim/v2/Users").query(true).reply(401);
    await expect(d.lookup("zed", { emails: [] })).rejects.toMatchObject({ name: "ConfigurationError" });
  });

  test("a user without the enterprise extension keeps its externalId as employee id", () => {
    expect(scimUserToEntry({ externalId: "X1" })).toEqual({ employeeId: "X1" });
  });
});
