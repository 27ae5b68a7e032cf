/**
 * A headless Chromium for end-to-end tests, driven over the DevTools protocol on a WebSocket
 * (no npm dependency): launch with a fresh profile, open one page, navigate, evaluate, type
 * keys, and close everything the test sanitizers check.
 *
 * @module
 */

const CANDIDATES = ["chromium", "chromium-browser", "google-chrome"];
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--remote-debugging-port=0",
];

/**
 * The installed Chromium executable, or undefined (the caller skips with a clear message).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findChromium } from "./chromium.ts";
 *
 * // Undefined where no Chromium is installed: browser tests skip themselves then.
 * const binary = await findChromium();
 * assert(binary === undefined || binary.startsWith("/"));
 * ```
 */
export async function findChromium(): Promise<string | undefined> {
  for (const name of CANDIDATES) {
    const found = await new Deno.Command("sh", {
      args: ["-c", `command -v ${name}`],
      stdout: "piped",
      stderr: "null",
    }).output().catch(() => undefined);
    const path = found?.success ? new TextDecoder().decode(found.stdout).trim() : "";
    if (path) return path;
  }
  return undefined;
}

/** One open page. */
export interface BrowserPage {
  /** Navigate and wait until the document has loaded. */
  goto(url: string): Promise<void>;
  /** Evaluate an expression in the page (promises awaited) and return its JSON value. */
  evaluate<T = unknown>(expression: string): Promise<T>;
  /** Poll `expression` until it is truthy; throws with `what` after `timeoutMs`. */
  waitFor(expression: string, what: string, timeoutMs?: number): Promise<void>;
  /** Press one key (keydown, char, keyup) on the focused element. */
  press(key: string): Promise<void>;
}

/** A running browser. */
export interface Browser {
  /** The one page. */
  page: BrowserPage;
  /** Close the page, the protocol socket and the process; remove the profile. */
  close(): Promise<void>;
}

/**
 * Launch Chromium with a fresh profile and open a blank page.
 *
 * @example
 * ```ts ignore browser
 * // Not run as a doc test: launching Chromium takes seconds, and some hosts have none.
 * const browser = await launchChromium(binary);
 * await browser.page.goto("http://127.0.0.1:8787/inbox");
 * await browser.close();
 * ```
 */
export async function launchChromium(binary: string): Promise<Browser> {
  const profile = await Deno.makeTempDir({ prefix: "tollgate-chromium-" });
  const child = new Deno.Command(binary, {
    args: [...FLAGS, `--user-data-dir=${profile}`, "about:blank"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    const ws = await connect(await devtoolsUrl(profile));
    const cdp = new Cdp(ws);
    const { targetId } = await cdp.send<{ targetId: string }>("Target.createTarget", {
      url: "about:blank",
    });
    const { sessionId } = await cdp.send<{ sessionId: string }>("Target.attachToTarget", {
      targetId,
      flatten: true,
    });
    const page = pageOf(cdp, sessionId);
    await cdp.send("Page.enable", {}, sessionId);
    return {
      page,
      close: async () => {
        await cdp.close();
        await stop(child);
        await Deno.remove(profile, { recursive: true }).catch(() => {});
      },
    };
  } catch (error) {
    await stop(child);
    await Deno.remove(profile, { recursive: true }).catch(() => {});
    throw error;
  }
}

async function stop(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch {
    // Already gone.
  }
  await child.status;
}

/** Chromium writes its port and path to `DevToolsActivePort` in the profile once listening. */
async function devtoolsUrl(profile: string): Promise<string> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const text = await Deno.readTextFile(`${profile}/DevToolsActivePort`).catch(() => "");
    const [port, path] = text.split("\n");
    if (port && path) return `ws://127.0.0.1:${port}${path}`;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("Chromium did not open its DevTools port within 20 s");
}

function connect(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.onopen = () => resolve(ws);
    ws.onerror = () => reject(new Error(`Cannot connect to ${url}`));
  });
}

/** Commands and replies over one protocol socket. */
class Cdp {
  readonly #ws: WebSocket;
  readonly #waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  #next = 1;
  readonly #closed: Promise<void>;

  constructor(ws: WebSocket) {
    this.#ws = ws;
    this.#closed = new Promise((resolve) => ws.addEventListener("close", () => resolve()));
    ws.onmessage = (e) => {
      const message = JSON.parse(String(e.data));
      const waiter = this.#waiting.get(message.id);
      if (!waiter) return;
      this.#waiting.delete(message.id);
      if (message.error) waiter.reject(new Error(JSON.stringify(message.error)));
      else waiter.resolve(message.result);
    };
  }

  send<T = unknown>(method: string, params: unknown = {}, sessionId?: string): Promise<T> {
    const id = this.#next++;
    this.#ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
    });
  }

  async close(): Promise<void> {
    await this.send("Browser.close").catch(() => {});
    if (this.#ws.readyState !== WebSocket.CLOSED) this.#ws.close();
    await this.#closed;
  }
}

function pageOf(cdp: Cdp, sessionId: string): BrowserPage {
  const evaluate = async <T>(expression: string): Promise<T> => {
    const r = await cdp.send<{ result: { value: T }; exceptionDetails?: { text: string } }>(
      "Runtime.evaluate",
      { expression, awaitPromise: true, returnByValue: true },
      sessionId,
    );
    if (r.exceptionDetails) throw new Error(`Page error: ${JSON.stringify(r.exceptionDetails)}`);
    return r.result.value;
  };
  const waitFor = async (expression: string, what: string, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await evaluate<boolean>(`Boolean(${expression})`).catch(() => false)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const at = await evaluate<string>("location.href").catch(() => "?");
    throw new Error(`Timed out waiting for ${what} (page ${at})`);
  };
  return {
    evaluate,
    waitFor,
    goto: async (url) => {
      await cdp.send("Page.navigate", { url }, sessionId);
      await waitFor(
        `location.href === ${JSON.stringify(url)} && document.readyState === "complete"`,
        url,
      );
    },
    press: async (key) => {
      // Enter needs its key code and "\r" as text for the browser to act on it (open a link).
      const text = key === "Enter" ? "\r" : key;
      const code = key === "Enter" ? 13 : key.toUpperCase().charCodeAt(0);
      for (const type of ["keyDown", "keyUp"]) {
        const extra = type === "keyDown" ? { text } : {};
        const event = { type, key, windowsVirtualKeyCode: code, ...extra };
        await cdp.send("Input.dispatchKeyEvent", event, sessionId);
      }
    },
  };
}
