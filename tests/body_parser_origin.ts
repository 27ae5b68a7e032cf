/**
 * An origin that reads a POST body's `_method` as Express does with `body-parser` 1.20 and the
 * getter `method-override` documents (`req.body._method`): a JSON body is decoded by its
 * `charset` (any `utf-*`, UTF-16 with or without BOM; others 415), a urlencoded one only as
 * UTF-8. Real Express 4.21 with body-parser 1.20.3 executed the same bodies as DELETE when
 * checked by hand (and UTF-7, which no TextDecoder reads, so it is not here).
 *
 * @module
 */

/** A running origin. */
export interface BodyParserOrigin {
  port: number;
  /** The method the app ran each request as, in order. */
  seen: string[];
  close(): Promise<void>;
}

/** Start the origin on 127.0.0.1, over HTTPS (HTTP/1.1 and h2) with `tls`. */
export function startBodyParserOrigin(tls?: { cert: string; key: string }): BodyParserOrigin {
  const seen: string[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {}, ...tls },
    async (request) => {
      const method = await overridden(request);
      if (/^\d+$/.test(method)) return new Response("refused\n", { status: Number(method) });
      seen.push(method);
      return new Response(`${method}\n`);
    },
  );
  return { port: server.addr.port, seen, close: () => server.shutdown() };
}

/** The method the request runs as, or the status body-parser refuses it with. */
async function overridden(request: Request): Promise<string> {
  const body = new Uint8Array(await request.arrayBuffer());
  if (request.method !== "POST") return request.method;
  const type = request.headers.get("content-type") ?? "";
  const media = type.split(";", 1)[0]!.trim().toLowerCase();
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(type)?.[1]?.toLowerCase() ?? "utf-8";
  let fields: Record<string, unknown>;
  try {
    if (media === "application/json") {
      if (!charset.startsWith("utf-")) return "415";
      fields = JSON.parse(new TextDecoder(charset).decode(body));
    } else if (media === "application/x-www-form-urlencoded") {
      if (charset !== "utf-8") return "415";
      fields = Object.fromEntries(new URLSearchParams(new TextDecoder().decode(body)));
    } else return "POST";
  } catch {
    return "400";
  }
  const method = fields?._method;
  return typeof method === "string" ? method.toUpperCase() : "POST";
}
