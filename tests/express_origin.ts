/**
 * A real Express application (Debian's `node-express`, 4.18, default settings) behind Node's
 * `http` server: its router ignores a trailing slash and letter case unless told to be
 * strict. It records, per request, the method, the route that ran (or `-` for none), the
 * path as sent, and what a JSON body asked for (an MCP call's tool, a GraphQL query).
 *
 * @module
 */

import type { WithOriginsOptions } from "./support/mod.ts";
import { commandMissing, startScriptOrigin } from "./support/script_origin.ts";

const SCRIPT = `
const express = require("express");
const fs = require("node:fs");
const log = process.argv[1];
const app = express();
const record = (req, res) => {
  const body = req.body && typeof req.body === "object" ? req.body : {};
  const what = body.params?.name ?? body.query ?? "";
  const route = req.route ? req.route.path : "-";
  fs.appendFileSync(log, [req.method, route, req.originalUrl, what].join(" ").trim() + "\\n");
  res.send("ok");
};
app.delete("/items/secret", record);
app.get("/admin", record);
app.post("/mcp", express.json(), record);
app.post("/graphql", express.json(), record);
app.use(record);
const server = app.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

// Debian installs Node packages under /usr/share/nodejs, outside a node of another origin's path.
const ENV = { NODE_PATH: "/usr/share/nodejs", PATH: "/usr/bin:/bin" };

/** A running Express origin. */
export interface ExpressOrigin {
  port: number;
  /** `METHOD ROUTE PATH [TOOL or QUERY]` of each request (`ROUTE` is `-` for none), in order. */
  seen(): Promise<string[]>;
  close(): Promise<void>;
}

/** Why the Express origin cannot run here, or undefined when it can. */
export function expressMissing(): Promise<string | undefined> {
  return commandMissing("node", ["-e", "require('express')"], {
    absent: "node is not installed",
    lacking: "Express is not installed (apt-get install -y node-express)",
  }, ENV);
}

/** Start the origin, logging to a file in `dir`, on a free port of 127.0.0.1. */
export function startExpressOrigin(dir: string): Promise<ExpressOrigin> {
  const log = `${dir}/express-${crypto.randomUUID()}.log`;
  const args = ["-e", SCRIPT, log];
  return startScriptOrigin({ name: "Express", command: "node", args, log, env: ENV });
}

/** {@linkcode withOrigins}' `start` and `routes` for one Express origin answering as `host:80`. */
export function expressAt(
  host: string,
): Pick<WithOriginsOptions<{ express: ExpressOrigin }>, "start" | "routes"> {
  return {
    start: async (dir) => ({ express: await startExpressOrigin(dir) }),
    routes: ({ express }) => [[host, 80, express]],
  };
}
