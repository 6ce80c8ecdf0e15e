// The OpenID Connect provider the end-to-end server signs in with (oidc-provider on loopback):
// `bun e2e/sso-provider.ts PORT REDIRECT_URI`. Runs until it is stopped.
import { startTestProvider } from "../server/testing/oidc-test-provider.ts";

export const SSO_PEOPLE = {
  "sub-erin": { preferred_username: "erin", email: "erin@team.example", email_verified: true, groups: ["team"] },
  "sub-olga": { preferred_username: "olga", groups: ["outsiders"] },
};

if (import.meta.main) {
  const [port, redirect] = process.argv.slice(2);
  await startTestProvider(Number(port), [redirect!], SSO_PEOPLE);
  console.log(`provider on ${port}`);
}
