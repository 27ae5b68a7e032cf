/**
 * Notification hooks: proposal events POSTed as JSON (Slack-compatible `text`) to each
 * `--notify` URL, retried with backoff, never blocking the gateway.
 *
 * @module
 */

export { parseNotifyUrl, startNotifier } from "./notifier.ts";
export type { Notifier, NotifierOptions } from "./notifier.ts";
export { notificationMessage } from "./notification_message.ts";
export type { NotificationEvent, NotificationMessage } from "./notification_message.ts";
