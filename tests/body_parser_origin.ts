/**
 * An origin that reads a POST body's `_method` as Express does with `body-parser` 1.20 and the
 * getter `method-override` 3.0 documents (`req.body._method`): a JSON body is decoded by its
 * `charset` (any `utf-*`, UTF-16 with or without BOM; others 415), a urlencoded one only as
 * UTF-8 and read as qs reads it (`a[]` and `a[0]`..`a[20]` are an array, a repeated key too);
 * method-override takes an array's first element. Real Express 4.21 with body-parser 1.20.3,
 * qs and method-override 3.0.0 executed the same bodies as DELETE when checked by hand (and
 * UTF-7, which no TextDecoder reads, so it is not here). A body with `Content-Encoding` gzip,
 * deflate or br is inflated first, as body-parser does (br from 2.0).
 *
 * @module
 */

import zlib from "node:zlib";

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
  const sent = new Uint8Array(await request.arrayBuffer());
  if (request.method !== "POST") return request.method;
  const body = inflated(request.headers.get("content-encoding") ?? "identity", sent);
  if (typeof body === "string") return body;
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
      fields = qsFields(new URLSearchParams(new TextDecoder().decode(body)));
    } else return "POST";
  } catch {
    return "400";
  }
  const value = fields?._method;
  const method = Array.isArray(value) ? value[0] : value;
  return typeof method === "string" ? method.toUpperCase() : "POST";
}

/** The body as body-parser 2 inflates it (one coding; others 415), or the status it refuses. */
function inflated(coding: string, body: Uint8Array): Uint8Array | string {
  try {
    switch (coding.toLowerCase()) {
      case "identity":
        return body;
      case "gzip":
        return zlib.gunzipSync(body);
      case "deflate":
        return zlib.inflateSync(body);
      case "br":
        return zlib.brotliDecompressSync(body);
      default:
        return "415";
    }
  } catch {
    return "400";
  }
}

/** The fields as qs reads them, arrays only (no nested objects). */
function qsFields(params: URLSearchParams): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of params) {
    const index = /^(.+?)\[(\d*)\]$/.exec(key);
    const array = index !== null && (index[2] === "" || Number(index[2]) <= 20);
    const name = array ? index[1]! : key;
    const had = fields[name];
    if (had === undefined) fields[name] = array ? [value] : value;
    else fields[name] = Array.isArray(had) ? [...had, value] : [had, value];
  }
  return fields;
}
