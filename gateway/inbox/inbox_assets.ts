/**
 * The inbox's only script and stylesheet, served by the gateway itself (no build step, no
 * CDN; the pages' Content-Security-Policy allows nothing else). The script keeps the pending
 * list live over the session's event stream, reloads a proposal page when it is decided
 * elsewhere, and gives the keyboard bindings (`j`/`k` move, `Enter` open, `a` approve, `r`
 * reject). It writes untrusted text only through `textContent`; the HTML it swaps in is the
 * server's own escaped rendering.
 *
 * @module
 */

/** The page script (served as `text/javascript`). */
export const INBOX_JS = `"use strict";
(() => {
  const live = document.querySelector("[data-live]");
  const article = document.querySelector("[data-proposal]");
  const say = (text) => {
    const el = document.getElementById("live");
    if (el) el.textContent = text;
  };
  const rows = () => [...document.querySelectorAll("[data-row]")];
  let index = -1;
  function select(i) {
    const all = rows();
    all.forEach((row) => row.classList.remove("selected"));
    if (all.length === 0 || i < 0) return void (index = -1);
    index = Math.min(i, all.length - 1);
    all[index].classList.add("selected");
    all[index].querySelector("a")?.focus();
  }
  let running = false, again = false;
  async function refresh() {
    if (!live) return;
    if (running) return void (again = true);
    running = true;
    try {
      do {
        again = false;
        const res = await fetch(live.dataset.live, { credentials: "same-origin" });
        if (res.status === 401) return void location.assign("/inbox/sign-in");
        if (!res.ok) continue;
        const kept = rows()[index]?.dataset.id;
        live.innerHTML = await res.text();
        if (kept) select(rows().findIndex((row) => row.dataset.id === kept));
      } while (again);
    } finally {
      running = false;
    }
  }
  function onEvent(type, data) {
    if (live) {
      void refresh();
      if (type === "proposal.created") say("New proposal " + String(data.id));
    }
    if (article && type === "proposal.decided" && data.id === article.dataset.proposal &&
        article.dataset.status === "pending") location.reload();
  }
  if (live || article) {
    const source = new EventSource("/inbox/events");
    source.addEventListener("ready", () => {
      document.body.dataset.live = "ready";
      void refresh();
    });
    for (const type of ["proposal.created", "proposal.decided"]) {
      source.addEventListener(type, (e) => onEvent(type, JSON.parse(e.data)));
    }
    source.onerror = () => say("Live updates interrupted; reconnecting");
  }
  const focusFor = { "#approve": "approve", "#reject": "reason" };
  if (article && focusFor[location.hash]) document.getElementById(focusFor[location.hash])?.focus();
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(e.target?.tagName ?? "")) return;
    if (e.key === "j") select(index + 1);
    else if (e.key === "k") select(Math.max(index - 1, 0));
    else if ((e.key === "a" || e.key === "r") && article) {
      if (e.key === "a") document.getElementById("approve-form")?.requestSubmit();
      else document.getElementById("reason")?.focus();
    } else if ((e.key === "a" || e.key === "r") && rows()[index]) {
      const link = rows()[index].querySelector("a");
      if (link) location.assign(link.href + (e.key === "a" ? "#approve" : "#reject"));
    } else return;
    e.preventDefault();
  });
})();
`;

/** The stylesheet (served as `text/css`): readable on a phone, diff in colour. */
export const INBOX_CSS = `:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { margin: 0 auto; max-width: 60rem; padding: 0 1rem 2rem; line-height: 1.45; }
header { display: flex; flex-wrap: wrap; gap: 1rem; justify-content: space-between;
  align-items: center; border-bottom: 1px solid #8884; padding: .5rem 0; }
nav a { margin-right: 1rem; }
.who { display: flex; gap: .5rem; align-items: center; }
.rows { list-style: none; padding: 0; width: 100%; border-collapse: collapse; }
.rows li, .rows tr { border-bottom: 1px solid #8883; padding: .5rem; }
.rows td, .rows th { padding: .35rem; text-align: left; }
.rows .selected { outline: 2px solid #36c; }
.summary { font-weight: 600; display: block; }
.meta, .hint { color: #777; font-size: .9em; }
.badge.warn { background: #fc3; color: #000; border-radius: .5rem; padding: 0 .4rem; }
pre { overflow-x: auto; padding: .5rem; background: #8881; white-space: pre-wrap;
  word-break: break-all; }
.diff .add { color: #1a7f37; } .diff .del { color: #cf222e; } .diff .hunk { color: #0969da; }
.diff .file { font-weight: 700; }
.finding.refuse { color: #cf222e; } .finding.warn { color: #9a6700; }
.state-approved { color: #1a7f37; } .state-rejected { color: #cf222e; }
.state-pending { color: #9a6700; }
dl.facts, dl.decision { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dt { font-weight: 600; } dd { margin: 0; overflow-wrap: anywhere; }
.decide form { margin: .5rem 0; display: grid; gap: .3rem; max-width: 30rem; }
button { font-size: 1rem; padding: .4rem .9rem; }
.approve { background: #1a7f37; color: #fff; } .reject { background: #cf222e; color: #fff; }
.problem { color: #cf222e; font-weight: 600; }
@media (max-width: 40rem) { .rows thead { display: none; } .rows td { display: block; } }
`;
