// Playwright end-to-end tests: Debian's chromium against the compiled dist/pymd.
import { defineConfig } from "@playwright/test";
import { freePortSync } from "./e2e/free-port.ts";

// A free port unless PYMD_E2E_PORT names one; set in the environment so the workers, which read
// this file again, agree with the runner.
process.env.PYMD_E2E_PORT ??= String(freePortSync());
const PORT = Number(process.env.PYMD_E2E_PORT);
// the single sign-on provider the server uses (e2e/sso-provider.ts)
process.env.PYMD_E2E_SSO_PORT ??= String(freePortSync());
const SSO_PORT = Number(process.env.PYMD_E2E_SSO_PORT);
const SSO = `--oidc-issuer http://127.0.0.1:${SSO_PORT} --oidc-client-id pymd-test --oidc-name "Team SSO" --oidc-allowed-groups team`;
const DATA = `.tmp/e2e-data-${PORT}`;
// the origin whose pages may frame embeds (e2e/embed.spec.ts serves one there)
process.env.PYMD_E2E_EMBED_PORT ??= String(freePortSync());
const EMBED_ORIGIN = `http://127.0.0.1:${Number(process.env.PYMD_E2E_EMBED_PORT)}`;

export default defineConfig({
  testDir: "e2e",
  testMatch: /.*\.spec\.ts$/,
  timeout: 60_000,
  workers: 1,
  reporter: [["list"], ["junit", { outputFile: process.env.PLAYWRIGHT_JUNIT_OUTPUT_NAME ?? "test-results/e2e.xml" }]],
  outputDir: "test-results/e2e",
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.PYMD_CHROMIUM ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: [
    {
      command: `node scripts/bun.mjs e2e/sso-provider.ts ${SSO_PORT} http://127.0.0.1:${PORT}/api/v1/auth/sso/callback`,
      url: `http://127.0.0.1:${SSO_PORT}/.well-known/openid-configuration`,
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: "ignore",
      stderr: "pipe",
    },
    {
      command: `rm -rf ${DATA} && mkdir -p ${DATA} && printf 'e2e-admin-pass\\n' | ./dist/pymd user add admin --admin --password-stdin --data-dir ${DATA} && printf 'e2e-reader-pass\\n' | ./dist/pymd user add reader --password-stdin --data-dir ${DATA} && exec env PYMD_OIDC_CLIENT_SECRET=pymd-test-client-secret-0123456789 ./dist/pymd serve --port ${PORT} --host 127.0.0.1 --data-dir ${DATA} --log-level warn ${SSO} --embed-origins ${EMBED_ORIGIN}`,
      url: `http://127.0.0.1:${PORT}/api/v1/ready`,
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: "ignore",
      stderr: "pipe",
    },
  ],
});
