/**
 * `PolicyFeed`: where a proxy's policy comes from when it is not the watched file (a gateway's
 * push), and the tools the proxy lends it.
 *
 * @module
 */

/** What the proxy lends a feed: a JSON parser that keeps a large push off the proxy's thread. */
export interface FeedTools {
  /** `JSON.parse`, on the proxy's load worker when the text is large. */
  parseJson(text: string): Promise<unknown>;
}

/** A policy source other than the file: the first text, then every change (a gateway push). */
export interface PolicyFeed {
  /** The current policy text; throws when it cannot be had. */
  initial(): Promise<string>;
  /**
   * Deliver each later text until `signal` aborts, then resolve; with the policy's JSON document
   * when the push carried one (validated instead of parsing the YAML); `tools` are the proxy's.
   */
  follow(
    onText: (text: string, json?: string) => void,
    signal: AbortSignal,
    tools?: FeedTools,
  ): Promise<void>;
}
