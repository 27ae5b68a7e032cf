/**
 * A real GraphQL Yoga server (npm `graphql-yoga` 5 on Node's `http`, default settings) at
 * `/graphql`: it reads a POST as JSON, as a GraphQL document (`application/graphql`) or as a
 * urlencoded form, by its `Content-Type`. It records each field resolver that ran.
 *
 * @module
 */

import type { WithOriginsOptions } from "./support/mod.ts";
import { commandMissing, type ScriptOrigin, startScriptOrigin } from "./support/script_origin.ts";

const TOOLS = Deno.env.get("TOLLGATE_TOOLS") ?? "/opt/tollgate-tools";
// `.ci/run` installs the packages there (npm install --prefix TOOLS/graphql).
const ENV = { NODE_PATH: `${TOOLS}/graphql/node_modules`, PATH: "/usr/bin:/bin" };

const SCRIPT = `
const fs = require("node:fs");
const { createServer } = require("node:http");
const { createYoga, createSchema } = require("graphql-yoga");
const log = process.argv[1];
const ran = (name, value) => () => (fs.appendFileSync(log, name + "\\n"), value);
const schema = createSchema({
  typeDefs: "type Query { viewer: String } type Mutation { deleteRepository: String }",
  resolvers: {
    Query: { viewer: ran("viewer", "me") },
    Mutation: { deleteRepository: ran("deleteRepository", "deleted") },
  },
});
const yoga = createYoga({ schema, graphqlEndpoint: "/graphql", logging: false });
const server = createServer(yoga).listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

/** Why the Yoga origin cannot run here, or undefined when it can. */
export function yogaMissing(): Promise<string | undefined> {
  return commandMissing("node", ["-e", "require('graphql-yoga')"], {
    absent: "node is not installed",
    lacking: `graphql-yoga is not installed (npm install --prefix ${TOOLS}/graphql graphql-yoga)`,
  }, ENV);
}

/** {@linkcode withOrigins}' `start` and `routes` for one Yoga origin answering as `host:80`. */
export function yogaAt(
  host: string,
): Pick<WithOriginsOptions<{ yoga: ScriptOrigin }>, "start" | "routes"> {
  return {
    start: async (dir) => {
      const log = `${dir}/yoga-${crypto.randomUUID()}.log`;
      const args = ["-e", SCRIPT, log];
      return {
        yoga: await startScriptOrigin({ name: "Yoga", command: "node", args, log, env: ENV }),
      };
    },
    routes: ({ yoga }) => [[host, 80, yoga]],
  };
}
