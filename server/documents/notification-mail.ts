// Notifications by e-mail, for people who gave an address and did not opt out: queued in the
// outbox with the notification (a SQLite insert, so the action that notified never waits for a
// mail server), sent in the background through --smtp-url, retried with back-off, and given up
// on after the last attempt; admins see what failed (GET /api/v1/admin/status).
import nodemailer, { type Transporter } from "nodemailer";
import { parseSettings } from "../auth/accounts.ts";
import type { Logger } from "../log/logger.ts";
import type { MailOutboxStore, OutboxStatus } from "../store/mail-outbox-store.ts";
import type { NotificationRow } from "../store/notifications-store.ts";
import type { UsersStore } from "../store/users-store.ts";

export interface MailOptions {
  smtpUrl: URL;
  from: string;
  baseUrl: URL;
  log: Logger;
  /** The first retry waits this long, each later one twice as long (capped at an hour). */
  retryBaseMs?: number;
  /** Attempts before a message is given up on. */
  maxAttempts?: number;
  /** At most this many messages to one address in an hour; later notifications stay in the app only. */
  perAddressPerHour?: number;
}

export interface MailStatus extends OutboxStatus {
  configured: boolean;
  /** Notifications since start that were not mailed because their address had its hourly share. */
  heldBack?: number;
}

const HOUR = 3600_000;

/** Subject and text of the mail for one notification. */
export function mailFor(n: NotificationRow, base: URL): { subject: string; body: string } {
  const who = n.actorName ?? "Someone";
  const detail = (() => {
    try {
      return n.detail ? (JSON.parse(n.detail) as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  })();
  const title = n.documentTitle ?? (typeof detail.title === "string" ? detail.title : "a document");
  const link = n.documentId
    ? new URL(`/d/${n.documentId}${n.threadId ? `#comment-${n.threadId}` : ""}`, base).href
    : new URL("/", base).href;
  const excerpt = typeof detail.excerpt === "string" ? `\n\n> ${detail.excerpt.replace(/\n/g, "\n> ")}` : "";
  const lines = (subject: string, text: string) => ({
    subject: subject.replace(/[\r\n]+/g, " "),
    body: `${text}${excerpt}\n\n${link}\n\n— pymd. You get this because e-mail notifications are on in your settings.\n`,
  });
  switch (n.kind) {
    case "shared":
      return lines(
        `${who} shared “${title}” with you`,
        `${who} shared “${title}” with you as ${String(detail.role ?? "viewer")}.`,
      );
    case "mention":
      return lines(`${who} mentioned you in “${title}”`, `${who} mentioned you in a comment on “${title}”:`);
    case "reply":
      return lines(`${who} replied in “${title}”`, `${who} replied in a comment thread you wrote in on “${title}”:`);
    case "access":
      return detail.role === null
        ? lines(`Your access to “${title}” was removed`, `${who} removed your access to “${title}”.`)
        : lines(
            `Your access to “${title}” changed`,
            `${who} changed your access to “${title}” to ${String(detail.role)}.`,
          );
  }
}

export class NotificationMail {
  private readonly transport: Transporter;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private sending = false;
  private stopped = false;
  private readonly retryBaseMs: number;
  private readonly maxAttempts: number;
  private readonly perAddressPerHour: number;
  /** Notifications not mailed since start because their address had its hourly share. */
  private limited = 0;

  constructor(
    private readonly outbox: MailOutboxStore,
    private readonly users: UsersStore,
    private readonly opts: MailOptions,
  ) {
    this.retryBaseMs = opts.retryBaseMs ?? 30_000;
    this.maxAttempts = opts.maxAttempts ?? 8;
    this.perAddressPerHour = opts.perAddressPerHour ?? 20;
    const u = opts.smtpUrl;
    this.transport = nodemailer.createTransport({
      host: u.hostname.replace(/^\[|\]$/g, ""),
      port: u.port ? Number(u.port) : u.protocol === "smtps:" ? 465 : 587,
      secure: u.protocol === "smtps:",
      auth: u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : undefined,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
    this.schedule(0);
  }

  /** Queues mail for the user's new notifications, if they gave an address and want mail. */
  enqueue(userId: string, added: NotificationRow[]): void {
    if (added.length === 0) return;
    const u = this.users.byId(userId);
    if (!u || u.disabled) return;
    const s = parseSettings(u.settings);
    if (!s.email || !s.emailNotifications) return;
    // A burst of mentions (or an address someone else typed in) gets a few messages, not a flood.
    const room = this.perAddressPerHour - this.outbox.countTo(s.email, Date.now() - HOUR);
    const mailed = added.slice(0, Math.max(0, room));
    for (const n of mailed) this.outbox.add({ userId, to: s.email, ...mailFor(n, this.opts.baseUrl) });
    if (mailed.length < added.length) {
      this.limited += added.length - mailed.length;
      this.opts.log.info("notification mail held back: this address had its hourly share", {
        userId,
        held: added.length - mailed.length,
        perHour: this.perAddressPerHour,
      });
    }
    if (mailed.length) this.schedule(0);
  }

  status(): MailStatus {
    return { configured: true, ...this.outbox.status(), heldBack: this.limited };
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.drain(), Math.max(0, ms));
    this.timer.unref?.();
  }

  /** Sends what is due, one message at a time, then sleeps until the next is due. */
  async drain(): Promise<void> {
    if (this.sending || this.stopped) return;
    this.sending = true;
    try {
      for (;;) {
        const batch = this.outbox.due(20);
        if (batch.length === 0) break;
        for (const m of batch) {
          if (this.stopped) return;
          try {
            await this.transport.sendMail({ from: this.opts.from, to: m.to, subject: m.subject, text: m.body });
            this.outbox.sent(m.id);
          } catch (e) {
            const error = e instanceof Error ? e.message : String(e);
            const last = m.attempts + 1 >= this.maxAttempts;
            const retryAt = last ? null : Date.now() + Math.min(HOUR, this.retryBaseMs * 2 ** m.attempts);
            this.outbox.failed(m.id, error, retryAt);
            this.opts.log.warn(
              last ? "notification mail given up on" : "notification mail failed; it is tried again later",
              {
                to: m.to,
                attempt: m.attempts + 1,
                err: error,
              },
            );
          }
        }
      }
    } catch (e) {
      this.opts.log.error("sending notification mail failed", { err: e instanceof Error ? e.message : String(e) });
    } finally {
      this.sending = false;
    }
    const next = this.outbox.nextDue();
    if (next !== null) this.schedule(next - Date.now());
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.transport.close();
  }
}
