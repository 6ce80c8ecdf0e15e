// The OpenAPI document at /api/v1/openapi.json passes a real OpenAPI validator, and describes
// the routes that declare schemas completely: bodies, every status with its schema, security.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import SwaggerParser from "@apidevtools/swagger-parser";
import { checkResponse, schemaChecks, startTestServer, type TestServer } from "../testing/test-server.ts";

let srv: TestServer;
// biome-ignore lint/suspicious/noExplicitAny: the test walks the document's JSON
let spec: any;

beforeAll(async () => {
  srv = await startTestServer();
  const res = await fetch(srv.url + "/api/v1/openapi.json");
  expect(res.status).toBe(200);
  spec = await res.json();
});
afterAll(() => srv.close());

// The validator dereferences in place: each check gets a copy.
const copy = <T>(x: T): T => structuredClone(x);

describe("the OpenAPI document", () => {
  test("is a valid OpenAPI 3.1 document", async () => {
    const api = await SwaggerParser.validate(copy(spec));
    expect(api.info.title).toBe("pymd API");
  });

  test("the validator refuses a broken copy", async () => {
    const broken = copy(spec);
    broken.paths["/api/v1/documents"].get.responses = "none";
    await expect(SwaggerParser.validate(broken)).rejects.toThrow();
    const badRef = copy(spec);
    badRef.paths["/api/v1/documents/{id}"].get.responses["404"].content["application/json"].schema = {
      $ref: "#/components/schemas/Missing",
    };
    await expect(SwaggerParser.validate(badRef)).rejects.toThrow();
  });

  test("declares the session cookie and the bearer token, and each route's security from its auth", () => {
    expect(spec.components.securitySchemes.cookie).toEqual(
      expect.objectContaining({ type: "apiKey", in: "cookie", name: "pymd_session" }),
    );
    expect(spec.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: "http", scheme: "bearer" }));
    expect(spec.paths["/api/v1/documents"].get.security).toEqual([{ cookie: [] }, { bearer: [] }]);
    expect(spec.paths["/api/v1/openapi.json"].get.security).toEqual([]);
  });

  test("routes with schemas carry their request body, success status and error statuses", () => {
    const create = spec.paths["/api/v1/documents"].post;
    expect(create.requestBody.content["application/json"].schema.properties.title.type).toBe("string");
    expect(create.responses["201"].content["application/json"].schema.properties.content.type).toBe("string");
    expect(create.responses["200"]).toBeUndefined();
    for (const status of ["400", "401", "403", "413", "415"])
      expect(create.responses[status].content["application/json"].schema).toEqual({
        $ref: "#/components/schemas/Error",
      });
    const del = spec.paths["/api/v1/documents/{id}"].delete;
    expect(Object.keys(del.responses)).toContain("204");
    expect(del.responses["204"].content).toBeUndefined();
    expect(del.parameters).toEqual([{ name: "id", in: "path", required: true, schema: { type: "string" } }]);
    const list = spec.paths["/api/v1/documents"].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toContain("q");
    const exp = spec.paths["/api/v1/documents/{id}/export"].get;
    expect(Object.keys(exp.responses["200"].content)).toContain("application/pdf");
  });

  test("every route declares its schema, so the document describes the whole API", () => {
    expect(srv.routes.filter((r) => !r.schema).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    const operations = Object.values(spec.paths as Record<string, object>).reduce(
      (n, p) => n + Object.keys(p).length,
      0,
    );
    const inApi = (path: string) => path.startsWith("/api/") || path === "/metrics";
    expect(operations).toBe(srv.routes.filter((r) => inApi(r.path)).length);
  });

  test("every route with a schema has a response schema for each JSON status it declares", () => {
    let operations = 0;
    // the document describes the API: the pages and files served outside /api/ are not in it
    const inDocument = (path: string) => path.startsWith("/api/") || path === "/metrics";
    for (const r of srv.routes.filter((x) => x.schema && inDocument(x.path))) {
      const op = spec.paths[r.path.replace(/:(\w+)/g, "{$1}")][r.method.toLowerCase()];
      operations++;
      for (const [status, res] of Object.entries(op.responses) as [string, { content?: unknown }][]) {
        if (status === "204") expect(res.content).toBeUndefined();
        else expect(res.content).toBeDefined();
      }
    }
    expect(operations).toBeGreaterThanOrEqual(27);
  });
});

describe("requests and responses against the route schemas", () => {
  test("a body that fails its schema is a 400 in the API's error shape", async () => {
    const alice = await srv.userClient("alice");
    const r = await alice.json("POST", "/api/v1/documents", { title: 5 });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("validation_failed");
    expect(r.body.error.message).toContain("title");
    expect(r.body.error.details).toEqual({ title: "invalid" });
    const read = await alice.json("POST", "/api/v1/notifications/read", { ids: ["x"] });
    expect(read.status).toBe(400);
    expect(read.body.error.code).toBe("validation_failed");
  });

  test("the test client checks each answer of a route with a schema", async () => {
    const alice = await srv.userClient("alicia");
    const before = schemaChecks.checked;
    expect((await alice.json("GET", "/api/v1/folders")).status).toBe(200);
    expect((await alice.json("GET", "/api/v1/documents/nosuchdocument00")).status).toBe(404);
    expect(schemaChecks.checked).toBe(before + 2);
  });

  test("the check fails on a body, a status or a media type its route does not declare", () => {
    const routes = srv.routes;
    const doc = { id: 5 };
    expect(() => checkResponse(routes, "GET", "/api/v1/documents/abc", 200, "application/json", doc)).toThrow(
      "GET /api/v1/documents/:id → 200: the body does not match its schema at /title: Expected required property",
    );
    expect(() => checkResponse(routes, "GET", "/api/v1/folders", 201, "application/json", { folders: [] })).toThrow(
      "GET /api/v1/folders → 201: the route declares no response for this status",
    );
    expect(() => checkResponse(routes, "GET", "/api/v1/folders", 401, "application/json", { nope: 1 })).toThrow(
      "at /error",
    );
    expect(() => checkResponse(routes, "GET", "/api/v1/documents/abc/export", 200, "image/png", undefined)).toThrow(
      "content type image/png",
    );
    expect(() => checkResponse(routes, "DELETE", "/api/v1/folders/abc", 204, "", { x: 1 })).toThrow("declares none");
    checkResponse(routes, "GET", "/api/v1/folders?x=1", 200, "application/json; charset=utf-8", { folders: [] });
    checkResponse(routes, "GET", "/api/v1/documents/abc/comments/people", 200, "application/json", { users: [] });
  });
});
