// TypeBox schemas of the HTTP API's JSON: the server validates requests and documents every route
// with them (OpenAPI), and the tests check each response against them. The interfaces in
// api-types.ts are the same shapes for the client; the checks at the end keep both in agreement.
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import type {
  AccessRole,
  ApiErrorJson,
  CommentJson,
  CommentThreadJson,
  DocumentJson,
  DocumentListJson,
  DocumentSummaryJson,
  FolderJson,
  NotificationJson,
} from "./api-types.ts";

export const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
export const DateTime = Type.String({ format: "date-time" });

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Record(Type.String(), Type.String())),
      requestId: Type.Optional(Type.String()),
    }),
  },
  { $id: "Error" },
);

export const AccessRoleSchema = Type.Union([
  Type.Literal("owner"),
  Type.Literal("editor"),
  Type.Literal("commenter"),
  Type.Literal("viewer"),
]);

export const MemberRoleSchema = Type.Union([Type.Literal("editor"), Type.Literal("commenter"), Type.Literal("viewer")]);

const documentFields = {
  id: Type.String(),
  title: Type.String(),
  ownerId: Type.String(),
  isPublic: Type.Boolean(),
  publicSlug: Nullable(Type.String()),
  tags: Type.Array(Type.String()),
  createdAt: DateTime,
  updatedAt: DateTime,
  deletedAt: Nullable(DateTime),
  role: AccessRoleSchema,
  folderId: Type.Optional(Nullable(Type.String({ description: "in listings: your folder for it" }))),
  favorite: Type.Optional(Type.Boolean({ description: "in listings: one of your favourites" })),
};

export const DocumentSummarySchema = Type.Object({ ...documentFields, excerpt: Type.String() });

export const DocumentSchema = Type.Object({
  ...documentFields,
  content: Type.String({ description: "PyMD source, at most 5 MB" }),
  publicComments: Type.Boolean({ description: "the public page shows the open comments" }),
});

export const DocumentListSchema = Type.Object({
  documents: Type.Array(DocumentSummarySchema),
  pagination: Type.Object({ page: Type.Integer(), limit: Type.Integer(), total: Type.Integer() }),
});

export const DocumentListQuerySchema = Type.Object({
  q: Type.Optional(Type.String({ description: "words to search for (at most 200 characters)" })),
  tag: Type.Optional(Type.String()),
  sort: Type.Optional(Type.String({ description: "updated, created or title" })),
  order: Type.Optional(Type.String({ description: "asc or desc" })),
  page: Type.Optional(Type.String({ description: "a whole number from 1" })),
  limit: Type.Optional(Type.String({ description: "a whole number from 1 to 100" })),
  folder: Type.Optional(Type.String({ description: "a folder id, or none" })),
  favorites: Type.Optional(Type.String({ description: "1: only your favourites" })),
  scope: Type.Optional(Type.String({ description: "mine or shared" })),
});

export const DocumentCreateSchema = Type.Object({
  title: Type.Optional(Type.String({ description: "1–200 characters" })),
  content: Type.Optional(Type.String({ description: "PyMD source, at most 5 MB" })),
  tags: Type.Optional(Type.Array(Type.String(), { maxItems: 20, description: "each 1–40 characters" })),
});

export const DocumentPatchSchema = Type.Object({
  title: Type.Optional(Type.String({ description: "1–200 characters" })),
  content: Type.Optional(Type.String({ description: "PyMD source, at most 5 MB" })),
  tags: Type.Optional(Type.Array(Type.String(), { maxItems: 20, description: "each 1–40 characters" })),
  isPublic: Type.Optional(Type.Boolean({ description: "owner only" })),
  publicComments: Type.Optional(Type.Boolean({ description: "owner only" })),
});

export const MemberSchema = Type.Object({ userId: Type.String(), username: Type.String(), role: MemberRoleSchema });
export const MembersSchema = Type.Object({ members: Type.Array(MemberSchema) });
export const MembersPutSchema = Type.Object({
  members: Type.Array(Type.Object({ username: Type.String(), role: MemberRoleSchema }), { maxItems: 500 }),
});

export const TagsSchema = Type.Object({ tags: Type.Array(Type.Object({ tag: Type.String(), count: Type.Integer() })) });

export const ExportQuerySchema = Type.Object({
  format: Type.Optional(Type.String({ description: "pymd (the default), html, md, pdf or ipynb" })),
  paper: Type.Optional(Type.String({ description: "for a PDF: a4 or letter" })),
  comments: Type.Optional(Type.String({ description: "for html and md: 1 to include the open comments" })),
});

export const ImportQuerySchema = Type.Object({
  filename: Type.Optional(
    Type.String({ description: "the file's name, for a text/plain body (.ipynb imports a notebook)" }),
  ),
});

export const FolderSchema = Type.Object({
  id: Type.String(),
  parentId: Nullable(Type.String()),
  name: Type.String(),
  documents: Type.Integer({ description: "your live documents in it, not counting its subfolders" }),
});

export const FolderListSchema = Type.Object({ folders: Type.Array(FolderSchema) });

export const FolderCreateSchema = Type.Object({
  name: Type.String({ description: "1–100 characters" }),
  parentId: Type.Optional(Nullable(Type.String())),
});

export const FolderPatchSchema = Type.Object({
  name: Type.Optional(Type.String({ description: "1–100 characters" })),
  parentId: Type.Optional(Nullable(Type.String())),
});

export const FilingSchema = Type.Object({ folderId: Nullable(Type.String()), favorite: Type.Boolean() });

export const FilingPutSchema = Type.Object({
  folderId: Type.Optional(Nullable(Type.String({ description: "one of your folders; null: none" }))),
  favorite: Type.Optional(Type.Boolean()),
});

export const CommentSchema = Type.Object({
  id: Type.String(),
  author: Nullable(Type.Object({ id: Type.String(), username: Type.String(), name: Type.String() })),
  body: Type.String(),
  createdAt: DateTime,
  editedAt: Nullable(DateTime),
  mentions: Type.Array(Type.String()),
});

export const CommentThreadSchema = Type.Object({
  id: Type.String(),
  anchor: Type.Object({ start: Type.String(), last: Type.String() }),
  range: Nullable(Type.Object({ from: Type.Integer(), to: Type.Integer() })),
  onDeletedText: Type.Boolean(),
  quote: Type.String(),
  createdAt: DateTime,
  resolved: Nullable(Type.Object({ at: DateTime, by: Nullable(Type.String()) })),
  comments: Type.Array(CommentSchema),
});

export const CommentThreadListSchema = Type.Object({ threads: Type.Array(CommentThreadSchema) });

export const MentionableSchema = Type.Object({
  users: Type.Array(Type.Object({ username: Type.String(), name: Type.String() })),
});

const CommentBodyField = Type.String({ description: "1–10000 characters" });

export const ThreadCreateSchema = Type.Object({
  anchor: Type.Union([
    Type.Object({ from: Type.Number(), to: Type.Number() }),
    Type.Object({ start: Type.String(), last: Type.String() }),
  ]),
  body: CommentBodyField,
});

export const CommentBodySchema = Type.Object({ body: CommentBodyField });

export const ThreadPatchSchema = Type.Object({ resolved: Type.Boolean() });

export const NotificationKindSchema = Type.Union([
  Type.Literal("shared"),
  Type.Literal("mention"),
  Type.Literal("reply"),
  Type.Literal("access"),
]);

export const NotificationSchema = Type.Object({
  id: Type.Integer(),
  kind: NotificationKindSchema,
  document: Nullable(Type.Object({ id: Type.String(), title: Type.String() })),
  actor: Nullable(Type.String()),
  threadId: Nullable(Type.String()),
  detail: Nullable(Type.Record(Type.String(), Type.Unknown())),
  createdAt: DateTime,
  read: Type.Boolean(),
});

export const NotificationListSchema = Type.Object({
  notifications: Type.Array(NotificationSchema),
  unread: Type.Integer(),
});

export const NotificationListQuerySchema = Type.Object({
  before: Type.Optional(Type.String({ description: "a notification id: only older ones" })),
  limit: Type.Optional(Type.String({ description: "a whole number from 1 to 100" })),
});

export const MarkReadSchema = Type.Union([
  Type.Object({ ids: Type.Array(Type.Integer(), { maxItems: 1000 }) }),
  Type.Object({ all: Type.Literal(true) }),
]);

export const UnreadSchema = Type.Object({ unread: Type.Integer() });

export const IdParamsSchema = Type.Object({ id: Type.String() });
export const ThreadParamsSchema = Type.Object({ id: Type.String(), thread: Type.String() });
export const CommentParamsSchema = Type.Object({ id: Type.String(), thread: Type.String(), comment: Type.String() });

// The interfaces of api-types.ts and these schemas describe the same JSON: each is assignable to the other.
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const agree = <T extends true>(_: T) => {};
agree<Same<Static<typeof AccessRoleSchema>, AccessRole>>(true);
agree<Same<Static<typeof ErrorSchema>, ApiErrorJson>>(true);
agree<Same<Static<typeof DocumentSummarySchema>, DocumentSummaryJson>>(true);
agree<Same<Static<typeof DocumentSchema>, DocumentJson>>(true);
agree<Same<Static<typeof DocumentListSchema>, DocumentListJson>>(true);
agree<Same<Static<typeof FolderSchema>, FolderJson>>(true);
agree<Same<Static<typeof CommentSchema>, CommentJson>>(true);
agree<Same<Static<typeof CommentThreadSchema>, CommentThreadJson>>(true);
agree<Same<Static<typeof NotificationSchema>, NotificationJson>>(true);
