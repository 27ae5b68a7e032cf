/**
 * A real Go origin decoding JSON bodies with `encoding/json`, as Go JSON-RPC servers and gqlgen
 * do: object keys match a struct's field tags without letter case (Unicode folding), and of
 * two keys naming one field the last wins. `POST /rpc` records the JSON-RPC `method` it would
 * run, `POST /graphql` the `query`, one line a request.
 *
 * @module
 */

import { join } from "node:path";
import { commandMissing, type ScriptOrigin, startScriptOrigin } from "./support/script_origin.ts";

const SOURCE = `package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
)

type envelope struct {
	JSONRPC string \`json:"jsonrpc"\`
	Method  string \`json:"method"\`
	Query   string \`json:"query"\`
}

func main() {
	log, err := os.OpenFile(os.Args[1], os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		panic(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Println(ln.Addr().(*net.TCPAddr).Port)
	http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var e envelope
		if err := json.Unmarshal(body, &e); err != nil {
			http.Error(w, "bad request", 400)
			return
		}
		if r.URL.Path == "/graphql" {
			fmt.Fprintf(log, "query %s\\n", e.Query)
		} else {
			fmt.Fprintf(log, "method %s\\n", e.Method)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, \`{"jsonrpc":"2.0","result":{},"id":1}\`)
	}))
}
`;

/** Why the Go origin cannot run here (no go toolchain), or undefined. */
export function goMissing(): Promise<string | undefined> {
  return commandMissing("go", ["version"], {
    absent: "go is not installed",
    lacking: "go does not run",
  });
}

/** Build the origin in `dir` (standard library only, offline) and start it. */
export async function startGoJsonOrigin(dir: string): Promise<ScriptOrigin> {
  const source = join(dir, "go-origin");
  await Deno.mkdir(source, { recursive: true });
  await Deno.writeTextFile(join(source, "main.go"), SOURCE);
  await Deno.writeTextFile(join(source, "go.mod"), "module origin\n\ngo 1.19\n");
  const binary = join(source, "origin");
  const env = { GOFLAGS: "-mod=mod", GOPROXY: "off", GOTOOLCHAIN: "local" };
  const built = await new Deno.Command("go", {
    args: ["build", "-o", binary, "."],
    cwd: source,
    env,
  })
    .output();
  if (!built.success) throw new Error(`go build failed: ${new TextDecoder().decode(built.stderr)}`);
  const log = join(dir, `go-${crypto.randomUUID()}.log`);
  return await startScriptOrigin({ name: "Go", command: binary, args: [log], log });
}
