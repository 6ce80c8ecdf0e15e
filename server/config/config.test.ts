// Configuration precedence and validation.
import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { ConfigError, loadConfig } from "./config.ts";

describe("config", () => {
  test("defaults", () => {
    const c = loadConfig({}, {});
    expect(c.port).toBe(8080);
    expect(c.host).toBe("0.0.0.0");
    expect(c.dataDir).toBe(resolve("pymd-data"));
    expect(c.logLevel).toBe("info");
    expect(c.logFormat).toBe("text");
    expect(c.baseUrl).toBeNull();
    expect(c.unsafeNoSandbox).toBe(false);
  });

  test("limits per block and per run: --run-timeout and --run-total-timeout, flag and variable", () => {
    const d = loadConfig({}, {});
    expect(d.runTimeoutSeconds).toBe(30);
    expect(d.runTotalTimeoutSeconds).toBe(600);
    expect(loadConfig({ "run-total-timeout": "1200" }, { PYMD_RUN_TOTAL_TIMEOUT: "900" }).runTotalTimeoutSeconds).toBe(
      1200,
    );
    expect(loadConfig({}, { PYMD_RUN_TOTAL_TIMEOUT: "900" }).runTotalTimeoutSeconds).toBe(900);
    expect(() => loadConfig({ "run-total-timeout": "0" }, {})).toThrow(
      /--run-total-timeout.*PYMD_RUN_TOTAL_TIMEOUT|PYMD_RUN_TOTAL_TIMEOUT.*--run-total-timeout/,
    );
  });

  test("--embed-origins takes only plain origins: nothing that could end the CSP directive", () => {
    expect(loadConfig({ "embed-origins": "https://blog.example.org, http://127.0.0.1:8000" }, {}).embedOrigins).toEqual(
      ["https://blog.example.org", "http://127.0.0.1:8000"],
    );
    for (const bad of ["https://a.com;script-src", "https://a.com'", "https://a b.com", "https://a.com/path"])
      expect(() => loadConfig({}, { PYMD_EMBED_ORIGINS: bad })).toThrow(/--embed-origins/);
  });

  test("notification mail: --smtp-url needs smtp:// or smtps:// and a --base-url for its links", () => {
    expect(loadConfig({}, {}).smtpUrl).toBeNull();
    const c = loadConfig(
      { "smtp-url": "smtp://u:p%40ss@mail.example.org:587", "base-url": "https://pymd.example.org" },
      { PYMD_SMTP_FROM: "Team <team@example.org>" },
    );
    expect(c.smtpUrl?.hostname).toBe("mail.example.org");
    expect(c.smtpFrom).toBe("Team <team@example.org>");
    expect(() => loadConfig({ "smtp-url": "http://mail.example.org" }, {})).toThrow(
      /--smtp-url.*PYMD_SMTP_URL|PYMD_SMTP_URL.*--smtp-url/,
    );
    expect(() => loadConfig({}, { PYMD_SMTP_URL: "smtp://mail.example.org" })).toThrow(/need --base-url/);
    expect(() => loadConfig({ "smtp-from": "a\nb" }, {})).toThrow(/--smtp-from/);
  });

  test("embed origins: --embed-origins / PYMD_EMBED_ORIGINS, origins only, none by default", () => {
    expect(loadConfig({}, {}).embedOrigins).toEqual([]);
    expect(loadConfig({}, { PYMD_EMBED_ORIGINS: "none" }).embedOrigins).toEqual([]);
    expect(
      loadConfig(
        { "embed-origins": "https://blog.example.org, http://127.0.0.1:8081,https://Wiki.Example.org:443/" },
        {},
      ).embedOrigins,
    ).toEqual(["https://blog.example.org", "http://127.0.0.1:8081", "https://wiki.example.org"]);
    expect(
      loadConfig({ "embed-origins": "https://a.example.org" }, { PYMD_EMBED_ORIGINS: "https://b.example.org" })
        .embedOrigins,
    ).toEqual(["https://a.example.org"]);
    expect(loadConfig({}, { PYMD_EMBED_ORIGINS: "https://b.example.org,https://b.example.org" }).embedOrigins).toEqual([
      "https://b.example.org",
    ]);
    for (const bad of [
      "https://blog.example.org/posts",
      "https://*.example.org",
      "*",
      "blog.example.org",
      "ftp://files.example.org",
      "https://u:p@blog.example.org",
      "https://blog.example.org?x=1",
      "https://blog.example.org#top",
      "'self'",
      ",",
    ]) {
      for (const [flags, env] of [
        [{ "embed-origins": bad }, {}],
        [{}, { PYMD_EMBED_ORIGINS: bad }],
      ] as const) {
        let err: unknown = null;
        try {
          loadConfig(flags, env);
        } catch (e) {
          err = e;
        }
        expect(err, bad).toBeInstanceOf(ConfigError);
        expect((err as Error).message).toContain("--embed-origins");
        expect((err as Error).message).toContain("PYMD_EMBED_ORIGINS");
      }
    }
    expect(() => loadConfig({ "embed-origins": true }, {})).toThrow(
      /--embed-origins \(PYMD_EMBED_ORIGINS\) needs a value/,
    );
  });

  test("flags win over the environment, which wins over defaults", () => {
    const env = { PYMD_PORT: "9000", PYMD_LOG_LEVEL: "debug", PYMD_DATA_DIR: "/srv/pymd" };
    const c = loadConfig({ port: "9100" }, env);
    expect(c.port).toBe(9100);
    expect(c.logLevel).toBe("debug");
    expect(c.dataDir).toBe("/srv/pymd");
  });

  test("every bad value names the flag and the variable", () => {
    const bad: [Record<string, string | true>, Record<string, string>, string, string][] = [
      [{ port: "-1" }, {}, "--port", "PYMD_PORT"],
      [{}, { PYMD_PORT: "65536" }, "--port", "PYMD_PORT"],
      [{ host: "a b" }, {}, "--host", "PYMD_HOST"],
      [{ "log-level": "loud" }, {}, "--log-level", "PYMD_LOG_LEVEL"],
      [{}, { PYMD_LOG_FORMAT: "yaml" }, "--log-format", "PYMD_LOG_FORMAT"],
      [{ "base-url": "not a url" }, {}, "--base-url", "PYMD_BASE_URL"],
      [{ "base-url": "https://x.example/?q=1" }, {}, "--base-url", "PYMD_BASE_URL"],
      [{ "data-dir": " " }, {}, "--data-dir", "PYMD_DATA_DIR"],
      [{ "base-url": "https://x.example/notes" }, {}, "--base-url", "PYMD_BASE_URL"],
      [{}, { PYMD_UNSAFE_NO_SANDBOX: "maybe" }, "--unsafe-no-sandbox", "PYMD_UNSAFE_NO_SANDBOX"],
      [{ sandbox: "docker" }, {}, "--sandbox", "PYMD_SANDBOX"],
      [{ port: true }, {}, "--port", "PYMD_PORT"],
      [{ "trusted-proxy": "10.0.0.0/33" }, {}, "--trusted-proxy", "PYMD_TRUSTED_PROXY"],
      [{}, { PYMD_TRUSTED_PROXY: "proxy.lan" }, "--trusted-proxy", "PYMD_TRUSTED_PROXY"],
      [{ "metrics-token": "short" }, {}, "--metrics-token", "PYMD_METRICS_TOKEN"],
      [{}, { PYMD_METRICS_TOKEN: "has a space in it, sadly" }, "--metrics-token", "PYMD_METRICS_TOKEN"],
      [{ "render-workers": "17" }, {}, "--render-workers", "PYMD_RENDER_WORKERS"],
      [{}, { PYMD_RENDER_WORKERS: "two" }, "--render-workers", "PYMD_RENDER_WORKERS"],
      [{ "embed-origins": "https://blog.example.org/posts" }, {}, "--embed-origins", "PYMD_EMBED_ORIGINS"],
      [{}, { PYMD_EMBED_ORIGINS: "*" }, "--embed-origins", "PYMD_EMBED_ORIGINS"],
    ];
    for (const [flags, env, flag, variable] of bad) {
      let err: unknown = null;
      try {
        loadConfig(flags, env);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain(flag);
      expect((err as Error).message).toContain(variable);
    }
  });

  test("trusted proxies and the metrics token", () => {
    const d = loadConfig({}, {});
    expect(d.trustedProxy.size).toBe(0);
    expect(d.metricsToken).toBeNull();
    const c = loadConfig({ "trusted-proxy": "127.0.0.1, 10.0.0.0/8" }, { PYMD_METRICS_TOKEN: "0123456789abcdef" });
    expect(c.trustedProxy.contains("10.2.3.4")).toBe(true);
    expect(c.trustedProxy.contains("127.0.0.2")).toBe(false);
    expect(c.metricsToken).toBe("0123456789abcdef");
  });

  test("an https base URL is kept as a URL", () => {
    expect(loadConfig({ "base-url": "https://notes.example.org" }, {}).baseUrl?.protocol).toBe("https:");
  });
});
