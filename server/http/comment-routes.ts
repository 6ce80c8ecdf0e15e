// HTTP routes for a document's comments and a user's notifications.
import type { Comments } from "../documents/comments-service.ts";
import type { Notifications } from "../documents/notifications-service.ts";
import { reply } from "./request-context.ts";
import type { Router } from "./router.ts";
import {
  CommentBodySchema,
  CommentParamsSchema,
  CommentThreadListSchema,
  CommentThreadSchema,
  IdParamsSchema,
  MarkReadSchema,
  MentionableSchema,
  NotificationListQuerySchema,
  NotificationListSchema,
  ThreadCreateSchema,
  ThreadParamsSchema,
  ThreadPatchSchema,
  UnreadSchema,
} from "../../protocol/api-schemas.ts";

export function registerCommentRoutes(r: Router, d: { comments: Comments; notifications: Notifications }): void {
  const C = d.comments;
  r.get(
    "/api/v1/documents/:id/comments",
    "A document's comment threads, with where their text is now",
    "user",
    { params: IdParamsSchema, responses: { 200: CommentThreadListSchema } },
    (c) => C.list(c.user(), c.params.id!),
  );
  r.post(
    "/api/v1/documents/:id/comments",
    "Start a thread {anchor: {from, to} | {start, last}, body} (owner, editor, commenter)",
    "user",
    { params: IdParamsSchema, body: ThreadCreateSchema, responses: { 201: CommentThreadSchema }, errors: [409] },
    async (c) => reply(201, C.create(c.user(), c.params.id!, await c.json())),
  );
  r.get(
    "/api/v1/documents/:id/comments/people",
    "Who a comment may mention: everyone who can read the document",
    "user",
    { params: IdParamsSchema, responses: { 200: MentionableSchema } },
    (c) => C.mentionable(c.user(), c.params.id!),
  );
  r.post(
    "/api/v1/documents/:id/comments/:thread/replies",
    "Reply in a thread {body}",
    "user",
    { params: ThreadParamsSchema, body: CommentBodySchema, responses: { 201: CommentThreadSchema } },
    async (c) => reply(201, C.reply(c.user(), c.params.id!, c.params.thread!, await c.json())),
  );
  r.patch(
    "/api/v1/documents/:id/comments/:thread",
    "Resolve or reopen a thread {resolved}",
    "user",
    { params: ThreadParamsSchema, body: ThreadPatchSchema, responses: { 200: CommentThreadSchema } },
    async (c) => C.setResolved(c.user(), c.params.id!, c.params.thread!, await c.json()),
  );
  r.patch(
    "/api/v1/documents/:id/comments/:thread/replies/:comment",
    "Edit your comment {body}",
    "user",
    { params: CommentParamsSchema, body: CommentBodySchema, responses: { 200: CommentThreadSchema } },
    async (c) => C.edit(c.user(), c.params.id!, c.params.thread!, c.params.comment!, await c.json()),
  );
  r.delete(
    "/api/v1/documents/:id/comments/:thread/replies/:comment",
    "Delete a comment (its author, or the document's owner); a thread goes with its last comment",
    "user",
    { params: CommentParamsSchema, responses: { 204: null } },
    (c) => {
      C.remove(c.user(), c.params.id!, c.params.thread!, c.params.comment!);
      return reply(204, null);
    },
  );
  r.get(
    "/api/v1/notifications",
    "Your notifications, newest first (?before=id&limit=), and how many are unread",
    "user",
    { query: NotificationListQuerySchema, responses: { 200: NotificationListSchema } },
    (c) => d.notifications.list(c.user(), c.query),
  );
  r.post(
    "/api/v1/notifications/read",
    "Mark notifications read {ids: [...]} or {all: true}",
    "user",
    { body: MarkReadSchema, responses: { 200: UnreadSchema } },
    async (c) => d.notifications.markRead(c.user(), await c.json()),
  );
}
