/**
 * A real Express application (Debian's `node-express`, 4.18, default settings) behind Node's
 * `http` server: its router ignores a trailing slash and letter case unless told to be
 * strict. It records, per request, the method, the route that ran (or `-` for none) and the
 * path as sent.
 *
 * @module
 */

import { commandMissing, startScriptOrigin } from "./support/script_origin.ts";

const SCRIPT = `
const express = require("express");
const fs = require("node:fs");
const log = process.argv[1];
const app = express();
const record = (req, res) => {
  fs.appendFileSync(log, req.method + " " + (req.route ? req.route.path : "-") + " " + req.originalUrl + "\\n");
  res.send("ok");
};
app.delete("/items/secret", record);
app.get("/admin", record);
app.use(record);
const server = app.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

// Debian installs Node packages under /usr/share/nodejs, outside a node of another origin's path.
const ENV = { NODE_PATH: "/usr/share/nodejs", PATH: "/usr/bin:/bin" };

/** A running Express origin. */
export interface ExpressOrigin {
  port: number;
  /** `METHOD ROUTE PATH` of each request (`ROUTE` is `-` when no route ran), in order. */
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
