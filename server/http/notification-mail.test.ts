// Notification mail through a real SMTP server started here on loopback (the smtp-server
// package): a share and a mention reach the recipient with the right subject and link, someone
// who opted out gets none; with the mail server down the share still answers at once, the
// failure shows on the admin status, and the mail goes out once the server is back.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer } from "node:net";
import { SMTPServer } from "smtp-server";
import { until } from "../testing/collab-test-client.ts";
import { startTestServer, type TestClient, type TestServer } from "../testing/test-server.ts";

interface Received {
  from: string;
  to: string[];
  subject: string;
  body: string;
}

/** Decodes RFC 2047 encoded words (=?UTF-8?Q?…?= and =?UTF-8?B?…?=). */
function decodeWords(s: string): string {
  return s.replace(/\?=\s+=\?/g, "?==?").replace(/=\?utf-8\?([QB])\?([^?]*)\?=/gi, (_m, enc: string, text: string) =>
    enc.toUpperCase() === "B"
      ? Buffer.from(text, "base64").toString("utf8")
      : Buffer.from(
          text.replace(/_/g, " ").replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
          "latin1",
        ).toString("utf8"),
  );
}

/** Decodes a quoted-printable body. */
const decodeQp = (s: string) =>
  Buffer.from(
    s.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
    "latin1",
  ).toString("utf8");

function parse(raw: string, to: string[], from: string): Received {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const headers = head!.replace(/\r?\n[ \t]+/g, " ");
  const subject = decodeWords(/^Subject: (.*)$/im.exec(headers)?.[1] ?? "");
  const qp = /Content-Transfer-Encoding: quoted-printable/i.test(headers);
  const b64 = /Content-Transfer-Encoding: base64/i.test(headers);
  const bodyRaw = rest.join("\n\n");
  return {
    from,
    to,
    subject,
    body: qp ? decodeQp(bodyRaw) : b64 ? Buffer.from(bodyRaw, "base64").toString("utf8") : bodyRaw,
  };
}

async function startSmtp(port = 0): Promise<{ port: number; mails: Received[]; close: () => Promise<void> }> {
  const mails: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const env = session.envelope;
        mails.push(
          parse(
            Buffer.concat(chunks).toString("utf8"),
            env.rcptTo.map((r) => r.address),
            env.mailFrom ? env.mailFrom.address : "",
          ),
        );
        callback();
      });
    },
  });
  await new Promise<void>((res) => server.listen(port, "127.0.0.1", () => res()));
  const addr = (server as unknown as { server: { address(): { port: number } } }).server.address();
  return { port: addr.port, mails, close: () => new Promise<void>((res) => server.close(() => res())) };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((res) => s.listen(0, "127.0.0.1", () => res()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((res) => s.close(() => res()));
  return port;
}

const BASE = new URL("http://pymd.example.test");

describe("notification mail", () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let srv: TestServer;
  let olga: TestClient;
  let dana: TestClient;
  let zed: TestClient;
  beforeAll(async () => {
    smtp = await startSmtp();
    srv = await startTestServer({
      smtpUrl: new URL(`smtp://127.0.0.1:${smtp.port}`),
      smtpFrom: "Team pymd <pymd@example.test>",
      baseUrl: BASE,
      smtpRetrySeconds: 1,
    });
    olga = await srv.userClient("olga");
    dana = await srv.userClient("dana");
    zed = await srv.userClient("zed");
    expect((await dana.json("PATCH", "/api/v1/users/me/settings", { email: "dana@example.org" })).status).toBe(200);
    expect(
      (await zed.json("PATCH", "/api/v1/users/me/settings", { email: "zed@example.org", emailNotifications: false }))
        .status,
    ).toBe(200);
  });
  afterAll(async () => {
    await srv.close();
    await smtp.close();
  });

  test("a share and a mention reach the person by mail; someone who opted out gets none", async () => {
    const doc = (
      await olga.json("POST", "/api/v1/documents", { title: "Plan", content: "# # Plan\n# Ship it on Friday.\n" })
    ).body;
    const share = await olga.json("PUT", `/api/v1/documents/${doc.id}/members`, {
      members: [
        { username: "dana", role: "commenter" },
        { username: "zed", role: "viewer" },
      ],
    });
    expect(share.status).toBe(200);
    await until(() => smtp.mails.length >= 1, 20_000, "the share's mail");
    expect(smtp.mails[0]).toMatchObject({
      from: "pymd@example.test",
      to: ["dana@example.org"],
      subject: "olga shared “Plan” with you",
    });
    expect(smtp.mails[0]!.body).toContain(`olga shared “Plan” with you as commenter.`);
    expect(smtp.mails[0]!.body).toContain(`${BASE.origin}/d/${doc.id}\n`);

    const thread = (
      await olga.json("POST", `/api/v1/documents/${doc.id}/comments`, {
        anchor: { from: 9, to: 13 },
        body: "@dana can you check this?",
      })
    ).body;
    await until(() => smtp.mails.length >= 2, 20_000, "the mention's mail");
    expect(smtp.mails[1]).toMatchObject({ to: ["dana@example.org"], subject: "olga mentioned you in “Plan”" });
    expect(smtp.mails[1]!.body).toContain("> @dana can you check this?");
    expect(smtp.mails[1]!.body).toContain(`${BASE.origin}/d/${doc.id}#comment-${thread.id}`);
    // zed was shared with too, but opted out: nothing was even queued for them
    expect(smtp.mails.flatMap((m) => m.to)).not.toContain("zed@example.org");
    // the mail server has the message a moment before the sender hears its "250 OK" and marks it sent
    await until(() => srv.services.mailOutbox.status().sent === 2, 10_000, "both mails marked sent");
    expect(srv.services.mailOutbox.status()).toMatchObject({ pending: 0, sent: 2, failed: 0 });
    const admin = await srv.userClient("root", "admin");
    expect((await admin.json("GET", "/api/v1/admin/status")).body.mail).toMatchObject({
      configured: true,
      sent: 2,
      failed: 0,
      lastError: null,
    });
  });

  test("one address gets at most 20 messages an hour; the rest stay in the app", async () => {
    const mia = await srv.userClient("mia");
    expect((await mia.json("PATCH", "/api/v1/users/me/settings", { email: "mia@example.org" })).status).toBe(200);
    const doc = (
      await olga.json("POST", "/api/v1/documents", { title: "Busy", content: "# # Busy\n# Many remarks here.\n" })
    ).body;
    expect(
      (
        await olga.json("PUT", `/api/v1/documents/${doc.id}/members`, {
          members: [{ username: "mia", role: "commenter" }],
        })
      ).status,
    ).toBe(200);
    for (let i = 0; i < 24; i++)
      expect(
        (
          await olga.json("POST", `/api/v1/documents/${doc.id}/comments`, {
            anchor: { from: 9, to: 13 },
            body: `@mia remark ${i}`,
          })
        ).status,
      ).toBe(201);
    // 25 notifications in the app: the share and 24 mentions
    expect((await mia.json("GET", "/api/v1/notifications")).body.unread).toBe(25);
    await until(
      () => smtp.mails.filter((m) => m.to.includes("mia@example.org")).length >= 20,
      30_000,
      "mia's 20 mails",
    );
    await until(() => srv.services.mailOutbox.status().pending === 0, 10_000, "the outbox drained");
    const toMia = smtp.mails.filter((m) => m.to.includes("mia@example.org"));
    expect(toMia.length).toBe(20);
    expect(toMia[0]!.subject).toBe("olga shared “Busy” with you");
    expect(toMia[19]!.body).toContain("> @mia remark 18");
    const admin = await srv.userClient("root2", "admin");
    expect((await admin.json("GET", "/api/v1/admin/status")).body.mail.heldBack).toBe(5);
  }, 60_000);

  test("settings refuse an address that is not one", async () => {
    for (const email of ["not an address", "a@b", "x@y.z>", 7])
      expect((await dana.json("PATCH", "/api/v1/users/me/settings", { email })).status).toBe(400);
  });
});

describe("notification mail with the mail server down", () => {
  test("the share answers at once, the failure shows to admins, and the mail goes once the server is back", async () => {
    const port = await freePort();
    const srv = await startTestServer({
      smtpUrl: new URL(`smtp://127.0.0.1:${port}`),
      baseUrl: BASE,
      smtpRetrySeconds: 1,
    });
    let smtp: Awaited<ReturnType<typeof startSmtp>> | null = null;
    try {
      const olga = await srv.userClient("olga");
      const dana = await srv.userClient("dana");
      const admin = await srv.userClient("root", "admin");
      await dana.json("PATCH", "/api/v1/users/me/settings", { email: "dana@example.org" });
      const doc = (await olga.json("POST", "/api/v1/documents", { title: "Down", content: "# # Down\n" })).body;
      const share = await olga.json("PUT", `/api/v1/documents/${doc.id}/members`, {
        members: [{ username: "dana", role: "editor" }],
      });
      expect(share.status).toBe(200);
      expect(share.body.members.map((m: { username: string }) => m.username)).toEqual(["dana"]);
      // the notification is there at once, whatever the mail does
      expect((await dana.json("GET", "/api/v1/notifications")).body.unread).toBe(1);
      await until(() => srv.services.mailOutbox.status().lastError !== null, 20_000, "a failed attempt");
      const status = (await admin.json("GET", "/api/v1/admin/status")).body.mail;
      expect(status).toMatchObject({ configured: true, pending: 1, sent: 0 });
      expect(status.lastError).toMatch(/ECONNREFUSED|connect/i);
      smtp = await startSmtp(port);
      await until(() => smtp!.mails.length === 1, 30_000, "the retried mail");
      expect(smtp.mails[0]).toMatchObject({ to: ["dana@example.org"], subject: "olga shared “Down” with you" });
      await until(() => srv.services.mailOutbox.status().sent === 1, 10_000, "the mail marked sent");
    } finally {
      await srv.close();
      await smtp?.close();
    }
  }, 60_000);
});
