// The caregiver's phone app with no signal. Served at /sw.js (scope: the whole site) with the
// shell's version and files written in by the server.
// - The app shell (scripts, styles, icons) is kept at install and served from the phone.
// - The app's pages (/visits/day and each visit) are asked of the network first and kept, per
//   signed-in user, for when there is no network; the day list asks for today's and tomorrow's
//   visit pages to be kept whenever it is opened online.
// - A sign-in or sign-out forgets every kept page, and a page is only ever kept under the user
//   the server says it was made for, so no one is shown another user's page.
// - Background Sync sends the outbox when the network is back, even with every page closed.
importScripts("/static/outbox.js");

const SHELL_VERSION = "__SHELL_VERSION__";
const SHELL = ["__SHELL_FILES__"];
const SHELL_CACHE = "ltc-shell-" + SHELL_VERSION;
const PAGES_PREFIX = "ltc-pages-";
const APP_PAGE = /^\/visits\/(day|\d+)$/;
const USER_HEADER = "X-LTC-User";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then((cache) => cache.addAll(SHELL.map((path) => new Request(path, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(names.filter((n) => n.startsWith("ltc-shell-") && n !== SHELL_CACHE).map((n) => caches.delete(n))),
      )
      .then(() => self.clients.claim()),
  );
});

function pageKey(url) {
  const u = new URL(url, self.location.origin);
  return u.origin + u.pathname;
}

async function forgetPages(except) {
  const names = await caches.keys();
  await Promise.all(
    names.filter((n) => n.startsWith(PAGES_PREFIX) && n !== PAGES_PREFIX + except).map((n) => caches.delete(n)),
  );
  await LtcOutbox.store.setMeta("user", except || null);
}

// Keeps a page under the user it was made for; a new user's page first forgets the others'.
async function keep(url, response) {
  const user = response.headers.get(USER_HEADER);
  if (!response.ok || response.redirected || !user) return;
  if ((await LtcOutbox.store.getMeta("user")) !== user) await forgetPages(user);
  const cache = await caches.open(PAGES_PREFIX + user);
  await cache.put(pageKey(url), response);
}

async function keptPage(url) {
  const user = await LtcOutbox.store.getMeta("user");
  if (!user) return null;
  const cache = await caches.open(PAGES_PREFIX + user);
  return (await cache.match(pageKey(url))) || null;
}

function offlinePage() {
  const body =
    '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>没有网络 · No network</title>' +
    '<link rel="stylesheet" href="/static/app.css"></head><body><main class="page" id="main">' +
    "<h1>没有网络</h1><p>本页没有存在手机上。请回到当日服务列表，或联网后再打开。</p>" +
    '<h2 lang="en">No network</h2><p lang="en">This page is not kept on the phone. Go back to the day\'s visits, or open it again online.</p>' +
    '<p><a class="touch" href="/visits/day">当日服务 · The day\'s visits</a></p></main></body></html>';
  return new Response(body, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

async function networkFirst(request) {
  try {
    const response = await fetch(request);
    if (response.type === "opaqueredirect") {
      await forgetPages(null); // sent to sign in: the session is over
    } else {
      await keep(request.url, response.clone());
    }
    return response;
  } catch (error) {
    return (await keptPage(request.url)) || offlinePage();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && (url.pathname === "/login" || url.pathname === "/logout")) {
    event.waitUntil(forgetPages(null));
    return;
  }
  if (request.method !== "GET") return;
  if (SHELL.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname, { cacheName: SHELL_CACHE }).then((hit) => hit || fetch(request)));
    return;
  }
  if (APP_PAGE.test(url.pathname) && request.mode === "navigate") {
    event.respondWith(networkFirst(request));
  }
});

// The day list asks for its pages to be kept: fetched one after another (one bar of signal),
// and the user's kept pages no longer listed forgotten.
async function keepPages(pages) {
  const kept = [];
  for (const path of pages) {
    try {
      const response = await fetch(path, { credentials: "same-origin", redirect: "manual" });
      await keep(path, response);
      if (response.ok) kept.push(path);
    } catch (error) {
      break; // the network went away: what is kept stays kept
    }
  }
  const user = await LtcOutbox.store.getMeta("user");
  if (user && kept.length === pages.length) {
    const cache = await caches.open(PAGES_PREFIX + user);
    const wanted = new Set(pages.map(pageKey));
    for (const request of await cache.keys()) {
      if (!wanted.has(pageKey(request.url))) await cache.delete(request);
    }
  }
  return kept;
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "keep" && Array.isArray(data.pages)) {
    const reply = event.ports && event.ports[0];
    event.waitUntil(
      keepPages(data.pages).then((kept) => reply && reply.postMessage({ kept: kept.length, of: data.pages.length })),
    );
  }
});

async function sendFromWorker() {
  const user = await LtcOutbox.store.getMeta("user");
  const csrf = user && (await LtcOutbox.store.getMeta("csrf:" + user));
  if (!csrf) return;
  const outcome = await LtcOutbox.flush(user, LtcOutbox.fetchTransport(csrf));
  if (outcome.sent.length || outcome.refused.length) LtcOutbox.announce({ visits: outcome.sent.map((s) => s.visit) });
  if (outcome.stopped === "offline" || outcome.stopped === "busy") throw new Error("not all sent: try again later");
}

self.addEventListener("sync", (event) => {
  if (event.tag === "ltc-outbox") event.waitUntil(sendFromWorker());
});
