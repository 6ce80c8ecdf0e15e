// Walks every API route as each kind of caller and asserts the exact status code.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestServer, type TestClient, type TestServer } from "../testing/test-server.ts";
import type { CommentThreadJson } from "../../protocol/api-types.ts";

type Actor = "anonymous" | "viewer" | "commenter" | "editor" | "owner" | "other" | "admin" | "globalViewer";
const ACTORS: Actor[] = ["anonymous", "viewer", "commenter", "editor", "owner", "other", "admin", "globalViewer"];

let srv: TestServer;
const clients = {} as Record<Actor, TestClient>;

beforeAll(async () => {
  srv = await startTestServer();
  clients.anonymous = srv.anonymous();
  clients.owner = await srv.userClient("owner");
  clients.editor = await srv.userClient("editor");
  clients.viewer = await srv.userClient("viewer");
  clients.commenter = await srv.userClient("commenter");
  clients.other = await srv.userClient("other");
  clients.admin = await srv.userClient("admin", "admin");
  // A global viewer who is an *editor* member: the global role caps them at reading.
  clients.globalViewer = await srv.userClient("gviewer", "viewer");
});
afterAll(() => srv.close());

/** A fresh document owned by `owner`, shared with editor, commenter, viewer and the global viewer; with one comment thread. */
function freshDoc(opts: { trashed?: boolean } = {}): string {
  const svc = srv.services;
  const owner = svc.users.byUsername("owner")!;
  const doc = svc.documents.create(owner, {
    title: "Shared notebook",
    content: "# # Hello\nprint('hi')\n",
    tags: ["t"],
  });
  svc.documents.setMembers(owner, doc.id, {
    members: [
      { username: "editor", role: "editor" },
      { username: "viewer", role: "viewer" },
      { username: "commenter", role: "commenter" },
      { username: "gviewer", role: "editor" },
    ],
  });
  if (opts.trashed) svc.documents.trash(owner, doc.id);
  else threads.set(doc.id, srv.comments.create(owner, doc.id, { anchor: { from: 4, to: 9 }, body: "About Hello" }));
  return doc.id;
}

function tokenOf(actor: Actor): string | null {
  if (actor === "anonymous") return null;
  const u = srv.services.users.byUsername(actor === "globalViewer" ? "gviewer" : actor)!;
  return srv.services.sessions.createApiToken(u.id, "matrix").id;
}

interface Case {
  name: string;
  method: string;
  path: (doc: string, tokenId: string | null) => string;
  body?: unknown;
  doc?: "fresh" | "trashed" | "none";
  expect: Record<Actor, number>;
}

const row = (
  anonymous: number,
  viewer: number,
  commenter: number,
  editor: number,
  owner: number,
  other: number,
  admin: number,
  globalViewer: number,
) => ({ anonymous, viewer, commenter, editor, owner, other, admin, globalViewer }) as Record<Actor, number>;
/** Each fresh document's comment thread, and its first comment (the owner's). */
const threads = new Map<string, CommentThreadJson>();
const thread = (d: string) => threads.get(d)?.id ?? "aaaaaaaaaaaaaaaa";
const ownersComment = (d: string) => threads.get(d)?.comments[0]?.id ?? "aaaaaaaaaaaaaaaa";
/** Publishes a fresh document (once) and gives its public slug. */
const slugs = new Map<string, string>();
const published = (d: string) => {
  let slug = slugs.get(d);
  if (!slug) {
    slug = Array.from(
      crypto.getRandomValues(new Uint8Array(16)),
      (b) => "abcdefghijklmnopqrstuvwxyz234567"[b & 31],
    ).join("");
    srv.services.documentsStore.update(d, { isPublic: true, publicSlug: slug });
    slugs.set(d, slug);
  }
  return slug;
};

const CASES: Case[] = [
  {
    name: "health",
    method: "GET",
    path: () => "/api/v1/health",
    doc: "none",
    expect: row(200, 200, 200, 200, 200, 200, 200, 200),
  },
  {
    name: "ready",
    method: "GET",
    path: () => "/api/v1/ready",
    doc: "none",
    expect: row(200, 200, 200, 200, 200, 200, 200, 200),
  },
  {
    name: "metrics",
    method: "GET",
    path: () => "/metrics",
    doc: "none",
    expect: row(401, 403, 403, 403, 403, 403, 200, 403),
  },
  {
    name: "openapi",
    method: "GET",
    path: () => "/api/v1/openapi.json",
    doc: "none",
    expect: row(200, 200, 200, 200, 200, 200, 200, 200),
  },
  {
    name: "auth status",
    method: "GET",
    path: () => "/api/v1/auth/status",
    doc: "none",
    expect: row(200, 200, 200, 200, 200, 200, 200, 200),
  },
  {
    name: "me",
    method: "GET",
    path: () => "/api/v1/auth/me",
    doc: "none",
    expect: row(401, 200, 200, 200, 200, 200, 200, 200),
  },
  {
    name: "get settings",
    method: "GET",
    path: () => "/api/v1/users/me/settings",
    doc: "none",
    expect: row(401, 200, 200, 200, 200, 200, 200, 200),
  },
  {
    name: "patch settings",
    method: "PATCH",
    path: () => "/api/v1/users/me/settings",
    body: { theme: "dark" },
    doc: "none",
    expect: row(401, 200, 200, 200, 200, 200, 200, 200),
  },
  {
    name: "list users",
    method: "GET",
    path: () => "/api/v1/users",
    doc: "none",
    expect: row(401, 403, 403, 403, 403, 403, 200, 403),
  },
  {
    name: "search users",
    method: "GET",
    path: () => "/api/v1/users?q=ow",
    doc: "none",
    expect: row(401, 200, 200, 200, 200, 200, 200, 200),
  },
  {
    name: "create token",
    method: "POST",
    path: () => "/api/v1/tokens",
    body: { name: "ci" },
    doc: "none",
    expect: row(401, 201, 201, 201, 201, 201, 201, 201),
  },
  {
    name: "change password (wrong current)",
    method: "POST",
    path: () => "/api/v1/auth/password",
    body: { currentPassword: "not it at all", newPassword: "another long one" },
    doc: "none",
    expect: row(401, 400, 400, 400, 400, 400, 400, 400),
  },
  {
    name: "reset password of a missing user",
    method: "PUT",
    path: () => "/api/v1/users/nobody-such/password",
    body: { password: "another long one" },
    doc: "none",
    expect: row(401, 403, 403, 403, 403, 403, 404, 403),
  },
  {
    name: "list tokens",
    method: "GET",
    path: () => "/api/v1/tokens",
    doc: "none",
    expect: row(401, 200, 200, 200, 200, 200, 200, 200),
  },
  {
    name: "delete own token",
    method: "DELETE",
    path: (_d, t) => `/api/v1/tokens/${t ?? "aaaaaaaaaaaaaaaa"}`,
    doc: "none",
    expect: row(401, 204, 204, 204, 204, 204, 204, 204),
  },
  {
    name: "list documents",
    method: "GET",
    path: () => "/api/v1/documents",
    doc: "none",
    expect: row(401, 200, 200, 200, 200, 200, 200, 200),
  },
  {
    name: "search documents",
    method: "GET",
    path: () => "/api/v1/documents?q=hello&sort=title",
    doc: "none",
    expect: row(401, 200, 200, 200, 200, 200, 200, 200),
  },
  {
    name: "create document",
    method: "POST",
    path: () => "/api/v1/documents",
    body: { title: "Mine" },
    doc: "none",
    expect: row(401, 201, 201, 201, 201, 201, 201, 403),
  },
  {
    name: "import document",
    method: "POST",
    path: () => "/api/v1/documents/import?filename=x.pymd",
    body: "# # Imported\n",
    doc: "none",
    expect: row(401, 201, 201, 201, 201, 201, 201, 403),
  },
  {
    name: "tags",
    method: "GET",
    path: () => "/api/v1/tags",
    doc: "none",
    expect: row(401, 200, 200, 200, 200, 200, 200, 200),
  },
  {
    name: "trash list",
    method: "GET",
    path: () => "/api/v1/trash",
    doc: "none",
    expect: row(401, 200, 200, 200, 200, 200, 200, 200),
  },
  {
    name: "get document",
    method: "GET",
    path: (d) => `/api/v1/documents/${d}`,
    expect: row(401, 200, 200, 200, 200, 404, 404, 200),
  },
  {
    name: "terminal availability",
    method: "GET",
    path: (d) => `/api/v1/documents/${d}/terminal`,
    expect: row(401, 200, 200, 200, 200, 404, 404, 200),
  },
  {
    name: "rename",
    method: "PATCH",
    path: (d) => `/api/v1/documents/${d}`,
    body: { title: "Renamed" },
    expect: row(401, 403, 403, 200, 200, 404, 404, 403),
  },
  {
    name: "edit content",
    method: "PATCH",
    path: (d) => `/api/v1/documents/${d}`,
    body: { content: "# changed" },
    expect: row(401, 403, 403, 200, 200, 404, 404, 403),
  },
  {
    name: "publish",
    method: "PATCH",
    path: (d) => `/api/v1/documents/${d}`,
    body: { isPublic: true },
    expect: row(401, 403, 403, 403, 200, 404, 404, 403),
  },
  {
    name: "members",
    method: "GET",
    path: (d) => `/api/v1/documents/${d}/members`,
    expect: row(401, 200, 200, 200, 200, 404, 404, 200),
  },
  {
    name: "set members",
    method: "PUT",
    path: (d) => `/api/v1/documents/${d}/members`,
    body: { members: [{ username: "other", role: "viewer" }] },
    expect: row(401, 403, 403, 403, 200, 404, 404, 403),
  },
  {
    name: "duplicate",
    method: "POST",
    path: (d) => `/api/v1/documents/${d}/duplicate`,
    expect: row(401, 201, 201, 201, 201, 404, 404, 403),
  },
  {
    name: "export pymd",
    method: "GET",
    path: (d) => `/api/v1/documents/${d}/export?format=pymd`,
    expect: row(401, 200, 200, 200, 200, 404, 404, 200),
  },
  {
    name: "render content (no exec)",
    method: "POST",
    path: () => "/api/v1/render",
    body: { content: "# # T\n", execute: false },
    doc: "none",
    expect: row(401, 200, 200, 200, 200, 200, 200, 200),
  },
  {
    name: "render content (exec)",
    method: "POST",
    path: () => "/api/v1/render",
    body: { content: "# ```\nprint(1)\n# ```\n" },
    doc: "none",
    expect: row(401, 200, 200, 200, 200, 200, 200, 403),
  },
  {
    name: "validate",
    method: "POST",
    path: () => "/api/v1/render/validate",
    body: { content: "# # T\n" },
    doc: "none",
    expect: row(401, 200, 200, 200, 200, 200, 200, 200),
  },
  {
    name: "render document",
    method: "GET",
    path: (d) => `/api/v1/documents/${d}/render?format=markdown`,
    expect: row(401, 200, 200, 200, 200, 404, 404, 200),
  },
  {
    name: "export html",
    method: "GET",
    path: (d) => `/api/v1/documents/${d}/export?format=html`,
    expect: row(401, 200, 200, 200, 200, 404, 404, 200),
  },
  {
    name: "export md",
    method: "GET",
    path: (d) => `/api/v1/documents/${d}/export?format=md`,
    expect: row(401, 200, 200, 200, 200, 404, 404, 200),
  },
  {
    name: "export pdf",
    method: "GET",
    path: (d) => `/api/v1/documents/${d}/export?format=pdf&paper=letter`,
    expect: row(401, 200, 200, 200, 200, 404, 404, 200),
  },
  {
    name: "delete",
    method: "DELETE",
    path: (d) => `/api/v1/documents/${d}`,
    expect: row(401, 403, 403, 403, 204, 404, 404, 403),
  },
  {
    name: "get trashed",
    method: "GET",
    path: (d) => `/api/v1/documents/${d}`,
    doc: "trashed",
    expect: row(401, 404, 404, 404, 404, 404, 404, 404),
  },
  {
    name: "restore",
    method: "POST",
    path: (d) => `/api/v1/documents/${d}/restore`,
    doc: "trashed",
    expect: row(401, 404, 404, 404, 200, 404, 404, 404),
  },
  {
    name: "missing document",
    method: "GET",
    path: () => "/api/v1/documents/aaaaaaaaaaaaaaaa",
    doc: "none",
    expect: row(401, 404, 404, 404, 404, 404, 404, 404),
  },
  {
    name: "list files",
    method: "GET",
    path: (d) => `/api/v1/documents/${d}/files`,
    expect: row(401, 200, 200, 200, 200, 404, 404, 200),
  },
  {
    name: "upload file",
    method: "PUT",
    path: (d) => `/api/v1/documents/${d}/file?path=a.txt`,
    body: "x",
    expect: row(401, 403, 403, 201, 201, 404, 404, 403),
  },
  {
    name: "download missing file",
    method: "GET",
    path: (d) => `/api/v1/documents/${d}/file?path=nope.txt`,
    expect: row(401, 404, 404, 404, 404, 404, 404, 404),
  },
  {
    name: "make folder",
    method: "POST",
    path: (d) => `/api/v1/documents/${d}/folders`,
    body: { path: "f" },
    expect: row(401, 403, 403, 201, 201, 404, 404, 403),
  },
  {
    name: "move missing file",
    method: "POST",
    path: (d) => `/api/v1/documents/${d}/files/move`,
    body: { from: "a", to: "b" },
    expect: row(401, 403, 403, 404, 404, 404, 404, 403),
  },
  {
    name: "delete missing file",
    method: "DELETE",
    path: (d) => `/api/v1/documents/${d}/file?path=a`,
    expect: row(401, 403, 403, 404, 404, 404, 404, 403),
  },
  {
    name: "archive export",
    method: "GET",
    path: (d) => `/api/v1/documents/${d}/archive`,
    expect: row(401, 200, 200, 200, 200, 404, 404, 200),
  },
  {
    name: "ipynb export",
    method: "GET",
    path: (d) => `/api/v1/documents/${d}/export?format=ipynb`,
    expect: row(401, 200, 200, 200, 200, 404, 404, 200),
  },
  {
    name: "archive import (not a zip)",
    method: "POST",
    path: () => "/api/v1/documents/import-archive",
    body: "x",
    doc: "none",
    expect: row(401, 400, 400, 400, 400, 400, 400, 403),
  },
  {
    name: "own file usage",
    method: "GET",
    path: () => "/api/v1/files/usage",
    doc: "none",
    expect: row(401, 200, 200, 200, 200, 200, 200, 200),
  },
  {
    name: "everyone's file usage",
    method: "GET",
    path: () => "/api/v1/admin/files/usage",
    doc: "none",
    expect: row(401, 403, 403, 403, 403, 403, 200, 403),
  },
  {
    name: "the audit log",
    method: "GET",
    path: () => "/api/v1/admin/audit",
    doc: "none",
    expect: row(401, 403, 403, 403, 403, 403, 200, 403),
  },
  {
    name: "accounts with usage",
    method: "GET",
    path: () => "/api/v1/admin/users",
    doc: "none",
    expect: row(401, 403, 403, 403, 403, 403, 200, 403),
  },
  {
    name: "the server's status",
    method: "GET",
    path: () => "/api/v1/admin/status",
    doc: "none",
    expect: row(401, 403, 403, 403, 403, 403, 200, 403),
  },
  {
    name: "a reset link for someone who does not exist",
    method: "POST",
    path: () => "/api/v1/admin/users/nobody-here/password-link",
    doc: "none",
    expect: row(401, 403, 403, 403, 403, 403, 404, 403),
  },
  {
    name: "change an account that does not exist",
    method: "PATCH",
    path: () => "/api/v1/admin/users/nobody-here",
    body: { role: "user" },
    doc: "none",
    expect: row(401, 403, 403, 403, 403, 403, 404, 403),
  },
  {
    name: "delete an account that does not exist",
    method: "DELETE",
    path: () => "/api/v1/admin/users/nobody-here",
    doc: "none",
    expect: row(401, 403, 403, 403, 403, 403, 404, 403),
  },
  {
    name: "a set-password link that is not one",
    method: "GET",
    path: () => "/api/v1/auth/password-link?token=abcdefghijklmnopqrstuvwxyz234567",
    doc: "none",
    expect: row(404, 404, 404, 404, 404, 404, 404, 404),
  },
  {
    name: "your sessions",
    method: "GET",
    path: () => "/api/v1/auth/sessions",
    doc: "none",
    expect: row(401, 200, 200, 200, 200, 200, 200, 200),
  },
  {
    name: "sign out a session that is not yours",
    method: "DELETE",
    path: () => `/api/v1/auth/sessions/${"0".repeat(64)}`,
    doc: "none",
    expect: row(401, 404, 404, 404, 404, 404, 404, 404),
  },
  {
    name: "sign out your other sessions",
    method: "POST",
    path: () => "/api/v1/auth/sessions/end-others",
    doc: "none",
    expect: row(401, 200, 200, 200, 200, 200, 200, 200),
  },
  // without a single sign-on provider configured its routes do not exist (server/http/sso.test.ts has them)
  {
    name: "single sign-on start, none configured",
    method: "GET",
    path: () => "/api/v1/auth/sso/start",
    doc: "none",
    expect: row(404, 404, 404, 404, 404, 404, 404, 404),
  },
  {
    name: "single sign-on callback, none configured",
    method: "GET",
    path: () => "/api/v1/auth/sso/callback?code=x&state=y",
    doc: "none",
    expect: row(404, 404, 404, 404, 404, 404, 404, 404),
  },
  {
    name: "public PDF of an unpublished document",
    method: "GET",
    path: () => "/api/v1/public/aaaaaaaaaaaaaaaa/export?format=pdf",
    doc: "none",
    expect: row(404, 404, 404, 404, 404, 404, 404, 404),
  },
  {
    name: "KaTeX's stylesheet",
    method: "GET",
    path: () => "/assets/katex/katex.css",
    doc: "none",
    expect: row(200, 200, 200, 200, 200, 200, 200, 200),
  },
  {
    name: "public file of an unpublished document",
    method: "GET",
    path: () => "/api/v1/public/aaaaaaaaaaaaaaaa/file?path=a",
    doc: "none",
    expect: row(404, 404, 404, 404, 404, 404, 404, 404),
  },
  // comments: everyone who reads the document reads them; owners, editors and commenters write; only a comment's author edits it, its author or the owner deletes it
  {
    name: "comments",
    method: "GET",
    path: (d) => `/api/v1/documents/${d}/comments`,
    expect: row(401, 200, 200, 200, 200, 404, 404, 200),
  },
  {
    name: "comment",
    method: "POST",
    path: (d) => `/api/v1/documents/${d}/comments`,
    body: { anchor: { from: 0, to: 3 }, body: "Note" },
    expect: row(401, 403, 201, 201, 201, 404, 404, 403),
  },
  {
    name: "comment on a trashed document",
    method: "POST",
    path: (d) => `/api/v1/documents/${d}/comments`,
    doc: "trashed",
    body: { anchor: { from: 0, to: 3 }, body: "Note" },
    expect: row(401, 404, 404, 404, 404, 404, 404, 404),
  },
  {
    name: "people to mention",
    method: "GET",
    path: (d) => `/api/v1/documents/${d}/comments/people`,
    expect: row(401, 200, 200, 200, 200, 404, 404, 200),
  },
  {
    name: "reply",
    method: "POST",
    path: (d) => `/api/v1/documents/${d}/comments/${thread(d)}/replies`,
    body: { body: "Agreed" },
    expect: row(401, 403, 201, 201, 201, 404, 404, 403),
  },
  {
    name: "resolve",
    method: "PATCH",
    path: (d) => `/api/v1/documents/${d}/comments/${thread(d)}`,
    body: { resolved: true },
    expect: row(401, 403, 200, 200, 200, 404, 404, 403),
  },
  {
    name: "edit the owner's comment",
    method: "PATCH",
    path: (d) => `/api/v1/documents/${d}/comments/${thread(d)}/replies/${ownersComment(d)}`,
    body: { body: "Changed" },
    expect: row(401, 403, 403, 403, 200, 404, 404, 403),
  },
  {
    name: "delete the owner's comment",
    method: "DELETE",
    path: (d) => `/api/v1/documents/${d}/comments/${thread(d)}/replies/${ownersComment(d)}`,
    expect: row(401, 403, 403, 403, 204, 404, 404, 403),
  },
  {
    name: "a thread that does not exist",
    method: "POST",
    path: (d) => `/api/v1/documents/${d}/comments/aaaaaaaaaaaaaaaa/replies`,
    body: { body: "Hm" },
    expect: row(401, 403, 404, 404, 404, 404, 404, 403),
  },
  {
    name: "notifications",
    method: "GET",
    path: () => "/api/v1/notifications",
    doc: "none",
    expect: row(401, 200, 200, 200, 200, 200, 200, 200),
  },
  {
    name: "mark notifications read",
    method: "POST",
    path: () => "/api/v1/notifications/read",
    body: { all: true },
    doc: "none",
    expect: row(401, 200, 200, 200, 200, 200, 200, 200),
  },
  // folders are each user's own: anyone signed in has them; filing needs read access to the document
  {
    name: "your folders",
    method: "GET",
    path: () => "/api/v1/folders",
    doc: "none",
    expect: row(401, 200, 200, 200, 200, 200, 200, 200),
  },
  {
    name: "make a folder",
    method: "POST",
    path: () => "/api/v1/folders",
    body: { name: `F ${Math.random()}` },
    doc: "none",
    expect: row(401, 201, 201, 201, 201, 201, 201, 201),
  },
  {
    name: "rename a folder that is not yours",
    method: "PATCH",
    path: () => "/api/v1/folders/aaaaaaaaaaaaaaaa",
    body: { name: "Mine" },
    doc: "none",
    expect: row(401, 404, 404, 404, 404, 404, 404, 404),
  },
  {
    name: "delete a folder that is not yours",
    method: "DELETE",
    path: () => "/api/v1/folders/aaaaaaaaaaaaaaaa",
    doc: "none",
    expect: row(401, 404, 404, 404, 404, 404, 404, 404),
  },
  {
    name: "star a document",
    method: "PUT",
    path: (d) => `/api/v1/documents/${d}/filing`,
    body: { favorite: true },
    expect: row(401, 200, 200, 200, 200, 404, 404, 200),
  },
  {
    name: "list a folder",
    method: "GET",
    path: () => "/api/v1/documents?folder=aaaaaaaaaaaaaaaa&favorites=1",
    doc: "none",
    expect: row(401, 200, 200, 200, 200, 200, 200, 200),
  },
  // a document's analytics are its owner's; embeds are public pages (their framing is server/http/embed.test.ts)
  {
    name: "document analytics",
    method: "GET",
    path: (d) => `/api/v1/documents/${d}/analytics`,
    expect: row(401, 403, 403, 403, 200, 404, 404, 403),
  },
  {
    name: "trashed document analytics",
    method: "GET",
    path: (d) => `/api/v1/documents/${d}/analytics`,
    doc: "trashed",
    expect: row(401, 404, 404, 404, 404, 404, 404, 404),
  },
  {
    name: "embed settings",
    method: "GET",
    path: () => "/api/v1/embed/settings",
    doc: "none",
    expect: row(401, 200, 200, 200, 200, 200, 200, 200),
  },
  {
    name: "embed of a published document",
    method: "GET",
    path: (d) => `/embed/${published(d)}`,
    expect: row(200, 200, 200, 200, 200, 200, 200, 200),
  },
  {
    name: "PDF of a published document",
    method: "GET",
    path: (d) => `/api/v1/public/${published(d)}/export?format=pdf`,
    expect: row(200, 200, 200, 200, 200, 200, 200, 200),
  },
  // Python in the reader's browser: the source of a published document, the runtime, its frame
  {
    name: "public source of a published document",
    method: "GET",
    path: (d) => `/api/v1/public/${published(d)}/source`,
    expect: row(200, 200, 200, 200, 200, 200, 200, 200),
  },
  {
    name: "public source of an unpublished document",
    method: "GET",
    path: () => "/api/v1/public/aaaaaaaaaaaaaaaa/source",
    doc: "none",
    expect: row(404, 404, 404, 404, 404, 404, 404, 404),
  },
  {
    name: "browser Python runtime",
    method: "GET",
    path: () => "/api/v1/browser-python",
    doc: "none",
    expect: row(200, 200, 200, 200, 200, 200, 200, 200),
  },
  {
    name: "browser Python frame",
    method: "GET",
    path: () => "/python-sandbox.html",
    doc: "none",
    expect: row(200, 200, 200, 200, 200, 200, 200, 200),
  },
  {
    name: "embed of an unpublished document",
    method: "GET",
    path: () => "/embed/aaaaaaaaaaaaaaaa",
    doc: "none",
    expect: row(404, 404, 404, 404, 404, 404, 404, 404),
  },
  {
    name: "logout",
    method: "POST",
    path: () => "/api/v1/auth/logout",
    doc: "none",
    expect: row(204, 204, 204, 204, 204, 204, 204, 204),
  },
];

describe("authorization details", () => {
  test("a viewer's forbidden write leaves the document unchanged", async () => {
    const doc = freshDoc();
    const res = await clients.viewer.req("PATCH", `/api/v1/documents/${doc}`, { content: "vandalised" });
    expect(res.status).toBe(403);
    expect(srv.services.documentsStore.byId(doc)!.content).toBe("# # Hello\nprint('hi')\n");
  });

  test("another user's token cannot be deleted", async () => {
    const t = tokenOf("owner")!;
    const res = await clients.other.req("DELETE", `/api/v1/tokens/${t}`);
    expect(res.status).toBe(404);
    expect(
      srv.services.sessionsStore.tokensForUser(srv.services.users.byUsername("owner")!.id).some((x) => x.id === t),
    ).toBe(true);
  });
});

// Runs last: the matrix ends with every caller logging out.
describe("authorization matrix", () => {
  for (const c of CASES) {
    for (const actor of ACTORS) {
      test(`${c.name} as ${actor} → ${c.expect[actor]}`, async () => {
        const doc = c.doc === "none" ? "" : freshDoc({ trashed: c.doc === "trashed" });
        const tokenId = c.name === "delete own token" ? tokenOf(actor) : null;
        const cl = clients[actor];
        const isText = typeof c.body === "string";
        const res = await cl.req(
          c.method,
          c.path(doc, tokenId),
          c.body,
          isText ? { "content-type": "text/plain" } : {},
        );
        if (res.status !== c.expect[actor]) {
          throw new Error(
            `${c.method} ${c.path(doc, tokenId)} as ${actor}: expected ${c.expect[actor]}, got ${res.status}: ${await res.text()}`,
          );
        }
        expect(res.status).toBe(c.expect[actor]);
        if (res.status >= 400) {
          const body = (await res.json()) as { error: { code: string; message: string } };
          expect(typeof body.error.code).toBe("string");
          expect(body.error.message.length).toBeGreaterThan(0);
        }
      });
    }
  }
});
