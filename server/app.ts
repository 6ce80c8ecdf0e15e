// The composition root: the only place that wires concrete parts together into a running server.
import type { Database } from "./store/database.ts";
import { configureRenderWorkers } from "./render/render-pool.ts";
import type { Config } from "./config/config.ts";
import type { Logger } from "./log/logger.ts";
import { databasePath, openDatabase } from "./store/database.ts";
import { UsersStore } from "./store/users-store.ts";
import { SessionsStore } from "./store/sessions-store.ts";
import { DevicesStore } from "./store/devices-store.ts";
import { AuditStore } from "./store/audit-store.ts";
import { AuditLog } from "./auth/audit-log.ts";
import { SsoStore } from "./store/sso-store.ts";
import { PasswordLinksStore } from "./store/password-links-store.ts";
import { registerAdminRoutes } from "./http/admin-routes.ts";
import { SsoSignIn } from "./auth/oidc.ts";
import { registerSsoRoutes, SSO_START } from "./http/sso-routes.ts";
import { DocumentsStore } from "./store/documents-store.ts";
import { SessionManager } from "./auth/sessions.ts";
import { Accounts } from "./auth/accounts.ts";
import { DocumentsService } from "./documents/documents-service.ts";
import { createHttpApp } from "./http/http-app.ts";
import { Metrics } from "./log/metrics.ts";
import { registerAuthRoutes, FIRST_RUN_HINT } from "./http/auth-routes.ts";
import { registerDocumentRoutes } from "./http/document-routes.ts";
import { registerOpsRoutes } from "./http/ops-routes.ts";
import { registerClientRoutes } from "./http/client-routes.ts";
import { registerBrowserPythonRoutes } from "./http/browser-python-routes.ts";
import { pyodideAssets } from "./http/pyodide-assets.ts";
import { documentPdf, registerRenderRoutes, renderedExport } from "./http/render-routes.ts";
import { ExecutionsStore } from "./store/executions-store.ts";
import { Executions } from "./runtime/executions.ts";
import { createSandbox, type Sandbox } from "../sandbox/index.ts";
import { DataDirLockedError, lockDataDir, type DataDirLock } from "./store/data-dir-lock.ts";
import { FilesStore } from "./store/files-store.ts";
import { WorkspaceFiles } from "./files/workspace-files.ts";
import { registerFileRoutes } from "./http/file-routes.ts";
import { notebookInterchange } from "./files/ipynb.ts";
import { parsePymd } from "../protocol/pymd-parser.ts";
import { OutputsStore } from "./store/outputs-store.ts";
import { NotebookSessions } from "./runtime/notebook-sessions.ts";
import { mountWebSocket } from "./ws/ws-server.ts";
import { registerPublicRoutes } from "./http/public-routes.ts";
import { registerHistoryRoutes } from "./http/history-routes.ts";
import { SyncStore } from "./store/sync-store.ts";
import { accessEpoch } from "./store/access-epoch.ts";
import { CollabDocuments } from "./sync/collab-documents.ts";
import { loadAutomerge } from "./sync/automerge.ts";
import { CONTENT_MAX_BYTES } from "./documents/document-rules.ts";
import { TerminalSessions } from "./terminal/terminal-sessions.ts";
import { mountTerminalSocket } from "./ws/terminal-socket.ts";
import { registerTerminalRoutes } from "./http/terminal-routes.ts";
import { registerCommentRoutes } from "./http/comment-routes.ts";
import { Comments } from "./documents/comments-service.ts";
import { Notifications } from "./documents/notifications-service.ts";
import { CommentsStore } from "./store/comments-store.ts";
import { NotificationsStore } from "./store/notifications-store.ts";
import { NotificationMail } from "./documents/notification-mail.ts";
import { MailOutboxStore } from "./store/mail-outbox-store.ts";
import { registerFolderRoutes } from "./http/folder-routes.ts";
import type { RouteInfo } from "./http/router.ts";
import { Folders } from "./documents/folders-service.ts";
import { FoldersStore } from "./store/folders-store.ts";
import { registerAuditRoutes } from "./http/audit-routes.ts";
import { DocumentCountsStore } from "./store/document-counts-store.ts";
import { DocumentAnalytics } from "./documents/document-analytics.ts";
import { registerAnalyticsRoutes } from "./http/analytics-routes.ts";

export interface Services {
  db: Database;
  users: UsersStore;
  sessionsStore: SessionsStore;
  documentsStore: DocumentsStore;
  sessions: SessionManager;
  accounts: Accounts;
  documents: DocumentsService;
  executionsStore: ExecutionsStore;
  outputsStore: OutputsStore;
  filesStore: FilesStore;
  auditStore: AuditStore;
  ssoStore: SsoStore;
  passwordLinks: PasswordLinksStore;
  commentsStore: CommentsStore;
  notificationsStore: NotificationsStore;
  mailOutbox: MailOutboxStore;
  foldersStore: FoldersStore;
}

/** Opens the data directory and builds the domain services on it (used by the server and the CLI). */
export function openServices(dataDir: string): Services {
  const db = openDatabase(dataDir);
  const users = new UsersStore(db);
  const sessionsStore = new SessionsStore(db);
  const documentsStore = new DocumentsStore(db);
  const sessions = new SessionManager(sessionsStore, users);
  const devices = new DevicesStore(db);
  const accounts = new Accounts(users, documentsStore, sessions, devices);
  const documents = new DocumentsService(documentsStore, users);
  const executionsStore = new ExecutionsStore(db);
  const outputsStore = new OutputsStore(db);
  const filesStore = new FilesStore(db);
  const auditStore = new AuditStore(db);
  const ssoStore = new SsoStore(db);
  const passwordLinks = new PasswordLinksStore(db);
  const commentsStore = new CommentsStore(db);
  const notificationsStore = new NotificationsStore(db);
  const mailOutbox = new MailOutboxStore(db);
  const foldersStore = new FoldersStore(db);
  return {
    foldersStore,
    db,
    users,
    sessionsStore,
    documentsStore,
    sessions,
    accounts,
    documents,
    executionsStore,
    outputsStore,
    filesStore,
    auditStore,
    ssoStore,
    passwordLinks,
    commentsStore,
    notificationsStore,
    mailOutbox,
  };
}

/** The sandbox for the server's configuration; detection happens once, on first use. */
export function sandboxFor(config: Config, log: Logger): () => Promise<Sandbox> {
  let pending: Promise<Sandbox> | null = null;
  return () =>
    (pending ??= createSandbox({
      backend: config.sandbox,
      unsafeNoSandbox: config.unsafeNoSandbox,
      disabledReason:
        config.execution === "off"
          ? "the administrator turned it off on this server (--execution off, PYMD_EXECUTION=off)"
          : undefined,
      limits: {
        wallTimeMs: config.runTimeoutSeconds * 1000,
        runWallTimeMs: config.runTotalTimeoutSeconds * 1000,
        memoryBytes: config.runMemoryMb * 1024 * 1024,
        cpuSeconds: config.runCpuSeconds,
        maxProcesses: config.runProcesses,
        tmpfsBytes: config.runTmpfsMb * 1024 * 1024,
        maxOutputBytesPerBlock: config.runOutputKb * 1024,
        maxOutputBytesPerSecond: config.runOutputRateKb * 1024,
        // a block may write a workspace file as large as an upload may be
        maxFileSize: config.fileMaxMb * 1000 * 1000,
      },
      onWarning: (msg) => log.warn(msg),
    }).then((sb) => {
      if (sb.backend === "unavailable") log.warn(sb.refusal ?? "code execution is disabled: no working sandbox");
      else log.info("sandbox ready", { backend: sb.backend });
      return sb;
    }));
}

export interface RunningServer {
  url: string;
  port: number;
  services: Services;
  sandbox: () => Promise<Sandbox>;
  notebooks: NotebookSessions;
  comments: Comments;
  notifications: Notifications;
  /** null with --terminals off. */
  terminals: TerminalSessions | null;
  /** Every HTTP route, with the schemas it declares. */
  routes: RouteInfo[];
  stop(): Promise<void>;
}

export class StartupError extends Error {}

export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  let lock: DataDirLock;
  try {
    lock = lockDataDir(config.dataDir);
  } catch (e) {
    if (e instanceof DataDirLockedError) throw new StartupError(e.message);
    throw e;
  }
  try {
    return await startLocked(config, log, lock);
  } catch (e) {
    lock.release();
    throw e;
  }
}

async function startLocked(config: Config, log: Logger, lock: DataDirLock): Promise<RunningServer> {
  const startedAt = Date.now();
  const services = openServices(config.dataDir);
  await loadAutomerge();
  const collab = new CollabDocuments(new SyncStore(services.db), {
    log,
    maxTextBytes: CONTENT_MAX_BYTES,
    usernameOf: (id) => services.users.byId(id)?.username ?? null,
  });
  services.documents.useContentWriter(collab);
  const notifications = new Notifications(services.notificationsStore, log);
  const comments = new Comments(services.commentsStore, services.documents, services.users, collab, notifications);
  // with --smtp-url, notifications also go by mail to those who gave an address
  const mail =
    config.smtpUrl && config.baseUrl
      ? new NotificationMail(services.mailOutbox, services.users, {
          smtpUrl: config.smtpUrl,
          from: config.smtpFrom,
          baseUrl: config.baseUrl,
          log,
          retryBaseMs: config.smtpRetrySeconds * 1000,
        })
      : null;
  if (mail) notifications.onNotify((userId, added) => mail.enqueue(userId, added));
  // a share, a new role or access taken away: the person concerned is told
  services.documents.onMembersChanged((docId, by, changes) =>
    notifications.notify(
      changes.map((ch) => ({
        userId: ch.userId,
        kind: ch.was === null ? "shared" : "access",
        documentId: ch.role === null ? null : docId,
        actorId: by.id,
        detail: { role: ch.role, was: ch.was, title: services.documentsStore.byIdLazy(docId)?.title ?? "" },
      })),
    ),
  );
  const metrics = new Metrics();
  metrics.addGauge("pymd_users", "User accounts.", () => services.users.count());
  metrics.addGauge("pymd_documents", "Documents not in the trash.", () => services.documentsStore.count());
  metrics.addGauge("pymd_open_collab_documents", "Automerge documents held in memory.", () => collab.openCount);
  const https = config.baseUrl?.protocol === "https:";

  const { app, router } = createHttpApp({
    log,
    metrics,
    sessions: services.sessions,
    baseUrl: config.baseUrl,
    trustedProxies: config.trustedProxy,
  });
  registerOpsRoutes(router, { db: services.db, metrics, metricsToken: config.metricsToken });
  const audit = new AuditLog(services.auditStore, log, config.auditRetentionDays);
  const sso =
    config.oidcIssuer && config.oidcClientId
      ? new SsoSignIn(
          {
            issuer: config.oidcIssuer,
            clientId: config.oidcClientId,
            clientSecret: config.oidcClientSecret,
            name: config.oidcName,
            scopes: config.oidcScopes,
            usernameClaim: config.oidcUsernameClaim,
            groupsClaim: config.oidcGroupsClaim,
            allowedGroups: config.oidcAllowedGroups,
            allowedDomains: config.oidcAllowedDomains,
            roleGroups: { admin: config.oidcAdminGroups, viewer: config.oidcViewerGroups },
            provisioning: config.oidcProvisioning,
            clockSkewSeconds: config.oidcClockSkewSeconds,
          },
          { users: services.users, accounts: services.accounts, identities: services.ssoStore, log },
        )
      : null;
  registerAuthRoutes(router, {
    accounts: services.accounts,
    sessions: services.sessions,
    sessionsStore: services.sessionsStore,
    https,
    audit,
    sso: sso ? { name: sso.label, startUrl: SSO_START } : null,
    passwordLogin: config.passwordLogin === "on",
  });
  if (sso) registerSsoRoutes(router, { sso, sessions: services.sessions, audit, baseUrl: config.baseUrl, https });
  registerAuditRoutes(router, { audit });
  const sandbox = sandboxFor(config, log);
  const executions = new Executions(sandbox, services.executionsStore, {
    perDay: config.execPerDay,
    concurrent: config.execConcurrent,
  });
  metrics.addGauge(
    "pymd_executions_started",
    "Executions started in a jail since the server started.",
    () => executions.started,
  );
  const MB = 1000 * 1000;
  const files = new WorkspaceFiles(services.filesStore, services.documents, {
    fileBytes: config.fileMaxMb * MB,
    documentBytes: config.workspaceMaxMb * MB,
    userBytes: config.userFilesMaxMb * MB,
  });
  configureRenderWorkers(config.renderWorkers);
  // views of public pages and embeds, and runs, counted per document and day (never failing what they count)
  const analytics = new DocumentAnalytics(new DocumentCountsStore(services.db), services.documents, log);
  const notebooks = new NotebookSessions(services.outputsStore, executions, log, files, {
    idleCloseMinutes: config.kernelIdleCloseMinutes,
    kernelsPerUser: config.kernelsPerUser,
    onRunStarted: (doc, userId) => analytics.countRun(doc, userId),
  });
  registerFileRoutes(router, { files, documents: services.documents, notebooks });
  // viewers are shown these instead of a run, on the render and export routes as on public links
  const storedResults = (id: string, source: string) => notebooks.resultsFor(id, parsePymd(source));
  registerRenderRoutes(router, { documents: services.documents, executions, storedResults });
  registerPublicRoutes(router, {
    documents: services.documents,
    notebooks,
    analytics,
    embedOrigins: config.embedOrigins,
    publicComments: (id) => comments.publicList(id),
    pdf: (doc, results, paper) => documentPdf(files, doc.id, doc.title, doc.content, results, paper),
  });
  registerAnalyticsRoutes(router, { analytics });
  mountWebSocket(app as never, {
    log,
    metrics,
    sessions: services.sessions,
    documents: services.documents,
    notebooks,
    collab,
    comments,
    notifications,
    baseUrl: config.baseUrl,
    accessEpoch: () => accessEpoch(services.db),
  });
  // terminals: with --terminals off neither the socket nor its route exists
  const terminals =
    config.terminals === "on"
      ? new TerminalSessions(
          { sandbox, executions, documents: services.documents, sessions: services.sessions, files, log, audit },
          { idleCloseMinutes: config.terminalIdleCloseMinutes, perUser: config.kernelsPerUser },
        )
      : null;
  if (terminals) {
    metrics.addGauge("pymd_open_terminals", "Terminals with a live shell.", () => terminals.count);
    registerTerminalRoutes(router, { documents: services.documents, terminals });
    mountTerminalSocket(app as never, {
      log,
      metrics,
      sessions: services.sessions,
      terminals,
      baseUrl: config.baseUrl,
    });
  }
  registerDocumentRoutes(router, {
    documents: services.documents,
    audit,
    exportRendered: renderedExport({
      documents: services.documents,
      executions,
      files,
      storedResults,
      commentsFor: (user, id) => comments.list(user, id).threads,
    }),
    ipynb: notebookInterchange({
      documents: services.documents,
      files,
      resultsFor: (id, source) => notebooks.resultsFor(id, parsePymd(source)),
    }),
  });
  registerHistoryRoutes(router, { documents: services.documents, collab });
  registerCommentRoutes(router, { comments, notifications });
  registerFolderRoutes(router, { folders: new Folders(services.foldersStore, services.documents) });
  registerAdminRoutes(router, {
    accounts: services.accounts,
    users: services.users,
    documents: services.documentsStore,
    executions: services.executionsStore,
    links: services.passwordLinks,
    sessions: services.sessions,
    audit,
    baseUrl: config.baseUrl,
    https,
    databaseFile: databasePath(config.dataDir),
    startedAt,
    storageByUser: () => new Map(files.allUsage().users.map((u) => [u.username, u.bytes])),
    kernelsByUser: () => notebooks.kernelsByUser(),
    terminalsByUser: () => terminals?.byUser() ?? new Map(),
    openDocuments: () => collab.openCount,
    sandbox,
    mail: () => mail?.status() ?? { configured: false, ...services.mailOutbox.status() },
  });
  // Python in the reader's browser: the Pyodide runtime and the frame it runs in
  registerBrowserPythonRoutes(router, { assets: await pyodideAssets(config.pyodideDir), baseUrl: config.baseUrl });
  await registerClientRoutes(router);

  const housekeeping = () => {
    try {
      const purged = services.documents.purgeTrash();
      if (purged)
        audit.record(
          { name: "server" },
          { action: "document.purge", detail: { documents: purged, reason: "in the trash for 30 days" } },
        );
      const expired = services.sessionsStore.deleteExpired();
      const auditPurged = audit.purge();
      notifications.purgeRead();
      services.mailOutbox.purge();
      if (purged || expired || auditPurged)
        log.info("housekeeping", {
          purgedDocuments: purged,
          expiredSessions: expired,
          purgedAuditRecords: auditPurged,
        });
    } catch (e) {
      log.error("housekeeping failed", { err: e instanceof Error ? e.message : String(e) });
    }
  };
  housekeeping();
  const timer = setInterval(housekeeping, 3600_000);
  timer.unref?.();

  try {
    // reusePort off: a second server on a port in use must fail, not share the requests
    app.listen({
      port: config.port,
      hostname: config.host,
      maxRequestBodySize: Math.max(16 * 1024 * 1024, config.fileMaxMb * MB + 1024 * 1024),
      reusePort: false,
    });
  } catch (e) {
    clearInterval(timer);
    collab.closeAll();
    services.db.close();
    const code = (e as { code?: string }).code;
    if (code === "EADDRINUSE" || /in use|EADDRINUSE/i.test(String((e as Error).message)))
      throw new StartupError(
        `port ${config.port} on ${config.host} is already in use by another program; choose another with --port or PYMD_PORT`,
      );
    throw new StartupError(`cannot listen on ${config.host}:${config.port}: ${(e as Error).message}`);
  }
  const server = app.server!;
  const url = `http://${config.host === "0.0.0.0" ? "localhost" : config.host}:${server.port}`;
  log.info("pymd listening", { url, dataDir: config.dataDir });
  if (services.users.count() === 0) log.warn(FIRST_RUN_HINT);
  // Detect the jail after listening, so start-up stays fast and the first run finds it ready;
  // then say whether notebooks can really run: Python and its packages inside the jail.
  void sandbox()
    .then(async (sb) => {
      if (sb.backend === "unavailable") return;
      const r = await sb.describe();
      const packages = Object.fromEntries(Object.entries(r.python.packages).map(([k, v]) => [k, v ?? "MISSING"]));
      const missing = Object.entries(r.python.packages)
        .filter(([, v]) => !v)
        .map(([k]) => `python3-${k}`);
      if (!r.python.version)
        log.warn("code cannot run: Python does not start inside the sandbox (pymd doctor shows why)", {
          python: r.python.path,
        });
      else if (missing.length)
        log.warn(`code can run, but packages are missing inside the sandbox: apt-get install ${missing.join(" ")}`, {
          python: r.python.version,
          ...packages,
        });
      else
        log.info("code can run", {
          backend: sb.backend,
          python: r.python.version,
          ...packages,
          memory: r.memory,
          processes: r.processes,
        });
    })
    .catch((e) => log.error("sandbox detection failed", { err: e instanceof Error ? e.message : String(e) }));

  return {
    url,
    port: server.port ?? config.port,
    services,
    sandbox,
    notebooks,
    comments,
    notifications,
    terminals,
    routes: router.routes,
    async stop() {
      clearInterval(timer);
      mail?.stop();
      await terminals?.closeAll();
      await notebooks.closeAll();
      await app.stop(true);
      collab.closeAll();
      analytics.flush();
      services.db.close();
      lock.release();
    },
  };
}
