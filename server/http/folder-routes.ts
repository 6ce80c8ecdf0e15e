// HTTP routes for a user's folders and for filing documents in them.
import type { Folders } from "../documents/folders-service.ts";
import { reply } from "./request-context.ts";
import type { Router } from "./router.ts";
import {
  FilingPutSchema,
  FilingSchema,
  FolderCreateSchema,
  FolderListSchema,
  FolderPatchSchema,
  FolderSchema,
  IdParamsSchema,
} from "../../protocol/api-schemas.ts";

export function registerFolderRoutes(r: Router, d: { folders: Folders }): void {
  const F = d.folders;
  r.get(
    "/api/v1/folders",
    "Your folders, with how many documents each holds (list them with GET /api/v1/documents?folder=ID)",
    "user",
    { responses: { 200: FolderListSchema } },
    (c) => F.list(c.user()),
  );
  r.post(
    "/api/v1/folders",
    "Make a folder {name, parentId?}",
    "user",
    { body: FolderCreateSchema, responses: { 201: FolderSchema }, errors: [404, 409] },
    async (c) => reply(201, F.create(c.user(), await c.json())),
  );
  r.patch(
    "/api/v1/folders/:id",
    "Rename or move a folder {name?, parentId?}",
    "user",
    { params: IdParamsSchema, body: FolderPatchSchema, responses: { 200: FolderSchema }, errors: [409] },
    async (c) => F.update(c.user(), c.params.id!, await c.json()),
  );
  r.delete(
    "/api/v1/folders/:id",
    "Delete a folder and those inside it; their documents stay, in no folder",
    "user",
    { params: IdParamsSchema, responses: { 204: null } },
    (c) => {
      F.delete(c.user(), c.params.id!);
      return reply(204, null);
    },
  );
  r.put(
    "/api/v1/documents/:id/filing",
    "Put a document you can read in one of your folders and/or your favourites {folderId?, favorite?}",
    "user",
    { params: IdParamsSchema, body: FilingPutSchema, responses: { 200: FilingSchema } },
    async (c) => F.file(c.user(), c.params.id!, await c.json()),
  );
}
