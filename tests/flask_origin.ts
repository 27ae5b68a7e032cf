/**
 * A real Flask application behind Werkzeug's server: WSGI hands it `PATH_INFO` decoded, so a
 * `%2F` inside a segment is a `/` to its routing. It records the path each request ran as.
 *
 * @module
 */

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
export async function flaskMissing(): Promise<string | undefined> {
  try {
    const args = ["-c", "import flask, werkzeug.serving"];
    const probe = await new Deno.Command("python3", { args, stdout: "null", stderr: "null" })
      .output();
    return probe.success ? undefined : "Flask is not installed for python3";
  } catch {
    return "python3 is not installed";
  }
}

/** Start the origin, logging to a file in `dir`, on a free port of 127.0.0.1. */
export async function startFlaskOrigin(dir: string): Promise<FlaskOrigin> {
  const log = `${dir}/flask-${crypto.randomUUID()}.log`;
  await Deno.writeTextFile(log, "");
  const child = new Deno.Command("python3", {
    args: ["-c", SCRIPT, log],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let first = "";
  while (!first.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("The Flask origin exited before it listened");
    first += value;
  }
  void reader.cancel().catch(() => {});
  return {
    port: Number(first.trim()),
    seen: async () => (await Deno.readTextFile(log)).split("\n").filter((line) => line !== ""),
    close: async () => {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}
