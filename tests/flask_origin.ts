/**
 * A real Flask application behind Werkzeug's server: WSGI hands it `PATH_INFO` decoded, so a
 * `%2F` inside a segment is a `/` to its routing. It records the path each request ran as.
 *
 * @module
 */

import { commandMissing, startScriptOrigin } from "./support/script_origin.ts";

const SCRIPT = `
import sys
from flask import Flask, request
from werkzeug.serving import make_server
log_path = sys.argv[1]
app = Flask("origin")
@app.route("/<path:rest>", methods=["GET", "POST", "DELETE"])
def any_path(rest):
    with open(log_path, "a") as log:
        log.write(request.method + " " + request.path + "\\n")
    return "ok"
server = make_server("127.0.0.1", 0, app, threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
`;

/** A running Flask origin. */
export interface FlaskOrigin {
  port: number;
  /** `METHOD PATH` of each request as the application routed it, in order. */
  seen(): Promise<string[]>;
  close(): Promise<void>;
}

/** Why the Flask origin cannot run here, or undefined when it can. */
export function flaskMissing(): Promise<string | undefined> {
  return commandMissing("python3", ["-c", "import flask, werkzeug.serving"], {
    absent: "python3 is not installed",
    lacking: "Flask is not installed for python3",
  });
}

/** Start the origin, logging to a file in `dir`, on a free port of 127.0.0.1. */
export function startFlaskOrigin(dir: string): Promise<FlaskOrigin> {
  const log = `${dir}/flask-${crypto.randomUUID()}.log`;
  return startScriptOrigin({ name: "Flask", command: "python3", args: ["-c", SCRIPT, log], log });
}
