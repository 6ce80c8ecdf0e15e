// A document with its workspace as one .zip: `<title>.pymd` at the top and the workspace under
// files/. Export streams; import spools the upload to a private temporary file (never held in
// memory), reads the central directory and stores each file through the same checks and limits
// as an upload. Entries outside files/, folders and links are not files and are skipped.
import { mkdtempSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppError, forbidden, invalid } from "../errors.ts";
import type { DocumentsService } from "../documents/documents-service.ts";
import { CONTENT_MAX_BYTES, safeFileName } from "../documents/document-rules.ts";
import type { UserRow } from "../store/users-store.ts";
import type { WorkspaceFiles } from "./workspace-files.ts";
import { readZipEntries, zipEntryStream, ZipError, zipStream, type ZipSource } from "./zip.ts";

export function documentArchives(deps: { documents: DocumentsService; files: WorkspaceFiles }) {
  const { documents, files } = deps;
  return {
    exportZip(user: UserRow, id: string): Response {
      const doc = documents.get(user, id);
      const name = safeFileName(doc.title, "pymd");
      const sources: ZipSource[] = [
        { name, open: () => new Blob([doc.content]).stream(), mtime: Date.parse(doc.updatedAt) },
      ];
      for (const e of files.entries(id)) {
        if (e.kind !== "file") continue;
        sources.push({ name: `files/${e.path}`, open: () => files.response(e).body!, mtime: e.updatedAt });
      }
      const zipName = name.replace(/\.pymd$/, ".zip");
      return new Response(zipStream(sources), {
        headers: {
          "content-type": "application/zip",
          "content-disposition": `attachment; filename="${zipName.replace(/[^\x20-\x7e]|["\\]/g, "_")}"; filename*=UTF-8''${encodeURIComponent(zipName)}`,
          "x-content-type-options": "nosniff",
        },
      });
    },

    async importZip(user: UserRow, request: Request, fileName: string | null) {
      if (user.role === "viewer") throw forbidden("Viewers cannot create documents");
      const maxBytes = files.limits.userBytes + CONTENT_MAX_BYTES;
      const declared = Number(request.headers.get("content-length") ?? "0");
      if (declared > maxBytes)
        throw new AppError("too_large", `the archive may be at most ${Math.round(maxBytes / 1e6)} MB`);
      if (!request.body) throw invalid("send the .zip file as the request body");
      const dir = mkdtempSync(join(tmpdir(), "pymd-zip-"));
      const path = join(dir, "upload.zip");
      const fh = await open(path, "w+", 0o600);
      try {
        let size = 0;
        const reader = request.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          size += value.length;
          if (size > maxBytes) {
            await reader.cancel().catch(() => {});
            throw new AppError("too_large", `the archive may be at most ${Math.round(maxBytes / 1e6)} MB`);
          }
          await fh.write(value);
        }
        let entries: Awaited<ReturnType<typeof readZipEntries>>;
        try {
          entries = await readZipEntries(fh);
        } catch (e) {
          if (e instanceof ZipError) throw invalid(e.message);
          throw e;
        }
        const docs = entries.filter((e) => !e.isDirectory && !e.name.includes("/") && /\.pymd$/i.test(e.name));
        if (docs.length !== 1)
          throw invalid(`the archive must hold exactly one .pymd file at its top level (it has ${docs.length})`);
        const top = docs[0]!;
        if (top.size > CONTENT_MAX_BYTES)
          throw new AppError("too_large", `the document may be at most ${CONTENT_MAX_BYTES} bytes`);
        const text = await new Response(await zipEntryStream(fh, top)).text();
        const doc = documents.importPymd(user, text, top.name || fileName);
        const skipped: string[] = [];
        for (const e of entries) {
          if (e === top || e.isDirectory) continue;
          if (!e.name.startsWith("files/")) {
            skipped.push(`${e.name}: not under files/`);
            continue;
          }
          try {
            await files.write(
              doc.id,
              user.id,
              e.name.slice("files/".length),
              await zipEntryStream(fh, e),
              user.id,
              e.size,
            );
          } catch (err) {
            skipped.push(`${e.name}: ${(err as Error).message}`);
          }
        }
        return { ...doc, skipped };
      } finally {
        await fh.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
