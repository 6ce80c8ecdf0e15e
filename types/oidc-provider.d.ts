// The part of the `oidc-provider` package (a test dependency, shipped without types) the tests use.
declare module "oidc-provider" {
  import type { Server } from "node:http";
  export default class Provider {
    constructor(issuer: string, configuration: unknown);
    proxy: boolean;
    listen(port: number, host: string, callback: () => void): Server;
  }
}
