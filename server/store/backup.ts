// A consistent copy of the database file (SQLite's VACUUM INTO), safe while a server writes it,
// checked for integrity before it is reported good.
import { Database } from "bun:sqlite";

/** Writes the copy to `out`; answers SQLite's integrity check of it ("ok" when it is sound). */
export function backupDatabase(src: string, out: string): string {
  const db = new Database(src, { readonly: true });
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    db.query("VACUUM INTO ?").run(out);
    const check = new Database(out, { readonly: true });
    try {
      return (
        check.query<{ integrity_check: string }, []>("PRAGMA integrity_check").get()?.integrity_check ?? "no answer"
      );
    } finally {
      check.close();
    }
  } finally {
    db.close();
  }
}
