// The numbered schema migrations. Each runs once, in order, inside a transaction, and is
// recorded in schema_migrations; never edit a released migration, add a new one.

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "accounts",
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin','user','viewer')),
        disabled INTEGER NOT NULL DEFAULT 0,
        settings TEXT NOT NULL DEFAULT '{}',
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,              -- hex SHA-256 of the token; the token itself is never stored
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        expires_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX sessions_user ON sessions(user_id);
      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER
      );
      CREATE INDEX api_tokens_user ON api_tokens(user_id);
    `,
  },
  {
    version: 2,
    name: "documents",
    sql: `
      CREATE TABLE documents (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
        is_public INTEGER NOT NULL DEFAULT 0,
        public_slug TEXT UNIQUE,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        deleted_at INTEGER,
        -- Last, so reading the small columns of a row never walks a large content's overflow pages.
        content TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX documents_owner ON documents(owner_id, deleted_at);
      CREATE INDEX documents_updated ON documents(updated_at);
      CREATE INDEX documents_created ON documents(created_at);
      CREATE INDEX documents_deleted ON documents(deleted_at) WHERE deleted_at IS NOT NULL;
      CREATE TABLE document_tags (
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        PRIMARY KEY (document_id, tag)
      );
      CREATE INDEX document_tags_tag ON document_tags(tag);
      CREATE TABLE document_members (
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('editor','viewer')),
        created_at INTEGER NOT NULL,
        PRIMARY KEY (document_id, user_id)
      );
      CREATE INDEX document_members_user ON document_members(user_id);
      CREATE VIRTUAL TABLE documents_fts USING fts5(
        title, content, content='documents', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
      );
      CREATE TRIGGER documents_ai AFTER INSERT ON documents BEGIN
        INSERT INTO documents_fts(rowid, title, content) VALUES (new.rowid, new.title, new.content);
      END;
      CREATE TRIGGER documents_ad AFTER DELETE ON documents BEGIN
        INSERT INTO documents_fts(documents_fts, rowid, title, content) VALUES ('delete', old.rowid, old.title, old.content);
      END;
      CREATE TRIGGER documents_au AFTER UPDATE OF title, content ON documents BEGIN
        INSERT INTO documents_fts(documents_fts, rowid, title, content) VALUES ('delete', old.rowid, old.title, old.content);
        INSERT INTO documents_fts(rowid, title, content) VALUES (new.rowid, new.title, new.content);
      END;
    `,
  },
  {
    version: 3,
    name: "document-list-indexes",
    sql: `
      -- One index per sort key so a user's first page is read in order, not sorted.
      CREATE INDEX documents_owner_updated ON documents(owner_id, deleted_at, updated_at);
      CREATE INDEX documents_owner_created ON documents(owner_id, deleted_at, created_at);
      CREATE INDEX documents_owner_title ON documents(owner_id, deleted_at, title COLLATE NOCASE);
    `,
  },
  {
    version: 4,
    name: "execution-quota",
    sql: `
      CREATE TABLE execution_counts (
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        day TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (user_id, day)
      );
    `,
  },
  {
    version: 5,
    name: "document-outputs",
    sql: `
      -- The last outputs of each executed block, keyed by a hash of the block's code, so that
      -- previews, public links and late joiners see what the last run printed.
      CREATE TABLE document_outputs (
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        code_hash TEXT NOT NULL,
        result TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (document_id, code_hash)
      );
    `,
  },
  {
    version: 6,
    name: "collaboration",
    sql: `
      -- Each document's Automerge history: a compacted snapshot followed by the incremental
      -- chunks saved since, loaded in seq order. documents.content is rewritten in the same
      -- transaction as every chunk, so the text REST and search read is the stored Automerge text.
      CREATE TABLE sync_chunks (
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        data BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (document_id, seq)
      );
      -- Which user first sent changes under an Automerge actor id: history names authors from
      -- it, and nobody may later write under someone else's actor.
      CREATE TABLE sync_actors (
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        actor TEXT NOT NULL,
        user_id TEXT NOT NULL,
        PRIMARY KEY (document_id, actor)
      );
    `,
  },
  {
    version: 7,
    name: "workspace-files",
    sql: `
      -- Each document's workspace: files and folders by normalised relative path. path_key is
      -- the case-folded path, unique among live entries. An upload is written as a 'staging' row
      -- (invisible, chunk by chunk) and becomes 'live' in one transaction, so a refused or broken
      -- upload leaves nothing half-written; staging rows left by a crash are removed at start.
      CREATE TABLE workspace_files (
        id TEXT PRIMARY KEY,
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        path_key TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('file','dir')),
        size INTEGER NOT NULL DEFAULT 0,
        sha256 TEXT,
        state TEXT NOT NULL DEFAULT 'live' CHECK (state IN ('live','staging')),
        updated_by TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX workspace_files_path ON workspace_files(document_id, path_key) WHERE state = 'live';
      CREATE INDEX workspace_files_doc ON workspace_files(document_id, state);
      -- File contents in 1 MiB chunks, read and written one chunk at a time.
      CREATE TABLE workspace_chunks (
        file_id TEXT NOT NULL REFERENCES workspace_files(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (file_id, seq)
      );
    `,
  },
  {
    version: 8,
    name: "lazy-document-text",
    sql: `
      -- documents.content (and with it the search index) is written behind the Automerge history,
      -- debounced and whenever something reads it, not with every chunk. A document listed here has
      -- stored chunks newer than its content; at start its text is rebuilt from the history.
      CREATE TABLE sync_stale_content (
        document_id TEXT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
        since INTEGER NOT NULL
      );
    `,
  },
  {
    version: 9,
    name: "known-devices",
    sql: `
      -- Browsers that signed in to an account, by a hash of the secret in their device cookie:
      -- guesses spread over many addresses slow sign-ins from unknown browsers only.
      CREATE TABLE known_devices (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER NOT NULL
      );
      CREATE INDEX known_devices_user ON known_devices(user_id, last_used_at);
    `,
  },
  {
    version: 10,
    name: "audit-log",
    sql: `
      -- Security-relevant events, append only: rows are never changed, and deleted only when
      -- they pass the retention time. The actor's name is kept as it was, so a record outlives
      -- the account (no foreign key).
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        actor_id TEXT,
        actor_name TEXT,
        address TEXT,
        action TEXT NOT NULL,
        target TEXT,
        outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'failed', 'denied')),
        detail TEXT
      );
      CREATE INDEX audit_log_at ON audit_log(at);
      CREATE INDEX audit_log_actor ON audit_log(actor_id, at);
      CREATE INDEX audit_log_action ON audit_log(action, at);
      CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
      BEGIN
        SELECT RAISE(ABORT, 'the audit log is append-only');
      END;
    `,
  },
  {
    version: 11,
    name: "sso-identities",
    sql: `
      -- Accounts signed in through an OpenID Connect provider: the provider's issuer and the
      -- subject it names the person by (stable, unlike a username claim).
      CREATE TABLE sso_identities (
        issuer TEXT NOT NULL,
        subject TEXT NOT NULL,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER NOT NULL,
        PRIMARY KEY (issuer, subject)
      );
      CREATE INDEX sso_identities_user ON sso_identities(user_id);
    `,
  },
  {
    version: 12,
    name: "session-details",
    sql: `
      -- What a user sees of their sessions: where and how each began.
      ALTER TABLE sessions ADD COLUMN address TEXT;
      ALTER TABLE sessions ADD COLUMN agent TEXT;
      ALTER TABLE sessions ADD COLUMN method TEXT;
    `,
  },
  {
    version: 13,
    name: "password-links",
    sql: `
      -- One-time links an admin gives a user to set their password (a new account, a reset),
      -- by a hash of the secret in the link.
      CREATE TABLE password_links (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX password_links_user ON password_links(user_id);
    `,
  },
  {
    version: 14,
    name: "comments-and-notifications",
    sql: `
      -- A third share role, commenter: reads and comments, never edits. SQLite cannot change a
      -- CHECK, so the table is rebuilt with its rows.
      CREATE TABLE document_members_new (
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('editor','commenter','viewer')),
        created_at INTEGER NOT NULL,
        PRIMARY KEY (document_id, user_id)
      );
      INSERT INTO document_members_new SELECT document_id, user_id, role, created_at FROM document_members;
      DROP TABLE document_members;
      ALTER TABLE document_members_new RENAME TO document_members;
      CREATE INDEX document_members_user ON document_members(user_id);
      -- Comment threads, anchored in the text by two Automerge cursors: the first character of
      -- the range and its last (so text typed at either edge stays outside it).
      CREATE TABLE comment_threads (
        id TEXT PRIMARY KEY,
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        anchor_start TEXT NOT NULL,
        anchor_last TEXT NOT NULL,
        quote TEXT NOT NULL,
        created_by TEXT REFERENCES users(id) ON DELETE SET NULL,
        created_at INTEGER NOT NULL,
        resolved_at INTEGER,
        resolved_by TEXT REFERENCES users(id) ON DELETE SET NULL
      );
      CREATE INDEX comment_threads_document ON comment_threads(document_id, created_at);
      CREATE TABLE comments (
        id TEXT PRIMARY KEY,
        thread_id TEXT NOT NULL REFERENCES comment_threads(id) ON DELETE CASCADE,
        author_id TEXT REFERENCES users(id) ON DELETE SET NULL,
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        edited_at INTEGER
      );
      CREATE INDEX comments_thread ON comments(thread_id, created_at);
      -- What a user is told in the app (and by e-mail where they allow it).
      CREATE TABLE notifications (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('shared', 'mention', 'reply', 'access')),
        document_id TEXT REFERENCES documents(id) ON DELETE CASCADE,
        actor_id TEXT REFERENCES users(id) ON DELETE SET NULL,
        thread_id TEXT REFERENCES comment_threads(id) ON DELETE CASCADE,
        detail TEXT,
        created_at INTEGER NOT NULL,
        read_at INTEGER
      );
      CREATE INDEX notifications_user ON notifications(user_id, id);
      CREATE INDEX notifications_unread ON notifications(user_id) WHERE read_at IS NULL;
    `,
  },
  {
    version: 15,
    name: "mail-outbox",
    sql: `
      -- Notification mail waiting to be sent, sent, or given up on, with its attempts.
      CREATE TABLE mail_outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
        to_address TEXT NOT NULL,
        subject TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        sent_at INTEGER,
        failed_at INTEGER
      );
      CREATE INDEX mail_outbox_due ON mail_outbox(next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
    `,
  },
  {
    version: 16,
    name: "document-analytics",
    sql: `
      -- Per document and UTC day, how often its public page and its embed were read and how often
      -- it was run: counters only, nothing about the reader (no address, no user agent, no cookie).
      CREATE TABLE document_counts (
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        day TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('public', 'embed', 'run')),
        count INTEGER NOT NULL,
        PRIMARY KEY (document_id, day, kind)
      ) WITHOUT ROWID;
      -- Who ran the document last, and when (a member of it, for its owner to see).
      CREATE TABLE document_last_run (
        document_id TEXT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
        user_id TEXT REFERENCES users(id) ON DELETE SET NULL,
        at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 17,
    name: "folders-and-favorites",
    sql: `
      -- Each user's own folders (nested), and where each document sits for them: one folder at
      -- most per user and document, and whether it is a favourite.
      CREATE TABLE folders (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        parent_id TEXT REFERENCES folders(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX folders_name ON folders(user_id, COALESCE(parent_id, ''), name);
      CREATE TABLE document_filing (
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        folder_id TEXT REFERENCES folders(id) ON DELETE SET NULL,
        favorite INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (user_id, document_id)
      );
      CREATE INDEX document_filing_folder ON document_filing(folder_id) WHERE folder_id IS NOT NULL;
      CREATE INDEX document_filing_favorite ON document_filing(user_id) WHERE favorite = 1;
    `,
  },
  {
    version: 18,
    name: "public-comments",
    sql: `
      -- Whether a published document's public page (and embed) shows its comments; off unless its owner turns it on.
      ALTER TABLE documents ADD COLUMN public_comments INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 19,
    name: "listing-indexes-with-id",
    sql: `
      -- The listing orders by its sort key and then the id: with the id in the index, a page of
      -- documents changed in the same millisecond (an import) is read in order instead of sorted,
      -- and the ordered read needs no table row.
      DROP INDEX documents_owner_updated;
      DROP INDEX documents_owner_created;
      DROP INDEX documents_owner_title;
      CREATE INDEX documents_owner_updated ON documents(owner_id, deleted_at, updated_at, id);
      CREATE INDEX documents_owner_created ON documents(owner_id, deleted_at, created_at, id);
      CREATE INDEX documents_owner_title ON documents(owner_id, deleted_at, title COLLATE NOCASE, id);
    `,
  },
  {
    version: 20,
    name: "mail-outbox-recipient",
    sql: `
      -- How much mail one address was sent lately, for the per-recipient limit.
      CREATE INDEX mail_outbox_recipient ON mail_outbox(to_address, created_at);
    `,
  },
];
