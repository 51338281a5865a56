// The phone's one outbox: every check-in and check-out from every visit waits here (IndexedDB,
// which survives a restart of the phone) until the server has answered it, and is sent in the
// order it was made whenever the network is there: on load, on the `online` event, on a timer
// that backs off, and by the service worker's Background Sync. An event keeps the event_id it
// was given when made, so a resend the server already has (its answer lost on the way) is
// answered 200 and counts as sent. Used by the pages and by the service worker (importScripts).
(function (scope) {
  // ---- The pure rules (no I/O), shared by every sender and tested on their own. ----

  // What an answer means for the event that was sent (`code`: the problem's stable code).
  function answerKind(status, code) {
    if (status === 200 || status === 201) return "sent"; // 200: a replay the server already had
    // Kept, and sent again once signed in: no session, or a page's stale CSRF token (the
    // framework's bare "forbidden"; a rule's refusal has a code of its own).
    if (status === 401 || (status === 403 && code === "forbidden")) return "signed_out";
    if (status === 408 || status === 425 || status === 429 || status >= 500 || status === 0) return "retry";
    return "refused"; // the server will never take it: shown on the visit with its words
  }

  // The wait before the next try after `failures` failed ones in a row: 5 s doubling to 5 min,
  // spread by `jitter` (0..1) so phones back on one mast do not all call at once.
  function backoffMs(failures, jitter) {
    const base = Math.min(5000 * 2 ** Math.max(failures, 0), 300000);
    return Math.round(base * (0.75 + 0.5 * (jitter || 0)));
  }

  // The events in the order they must be sent: the order they were made.
  function inSendingOrder(events) {
    return events.slice().sort((a, b) => a.seq - b.seq);
  }

  function waitingByVisit(events) {
    const counts = {};
    for (const e of events) counts[e.visit_id] = (counts[e.visit_id] || 0) + 1;
    return counts;
  }

  // A visit's status as the phone shows it: the server's, moved on by its events still waiting.
  function shownStatus(status, events) {
    let shown = status;
    for (const e of inSendingOrder(events)) {
      if (e.kind === "check_in" && shown === "planned") shown = "in_progress";
      if (e.kind === "check_out" && shown !== "cancelled") shown = "done";
    }
    return shown;
  }

  // Of two copies of a visit (a page kept on the phone, the server's last answer), the newer:
  // a visit only moves forward, so the one further on.
  const PROGRESS = { planned: 0, in_progress: 1, done: 2, cancelled: 3 };
  function newer(a, b) {
    if (!a) return b;
    if (!b) return a;
    return (PROGRESS[b.status] || 0) > (PROGRESS[a.status] || 0) ? b : a;
  }

  // ---- The store: one IndexedDB database per origin. ----

  const DB_NAME = "ltc-phone";
  let opening = null;

  function request(req) {
    return new Promise((resolve, reject) => {
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  function open() {
    if (!opening) {
      opening = new Promise((resolve, reject) => {
        const req = indexedDB.open(DB_NAME, 1);
        req.onupgradeneeded = () => {
          const db = req.result;
          const outbox = db.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
          outbox.createIndex("user", "user");
          const refused = db.createObjectStore("refused", { keyPath: "event_id" });
          refused.createIndex("user", "user");
          db.createObjectStore("meta", { keyPath: "key" });
        };
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => {
          opening = null;
          reject(req.error);
        };
      });
    }
    return opening;
  }

  async function run(storeName, mode, work) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(storeName, mode);
      let result;
      Promise.resolve(work(tx.objectStore([].concat(storeName)[0]), tx)).then((value) => {
        result = value;
      }, reject);
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  const store = {
    add: (event) => run("outbox", "readwrite", (s) => request(s.add(event))),
    remove: (seq) => run("outbox", "readwrite", (s) => request(s.delete(seq))),
    waiting: async (user) =>
      inSendingOrder(await run("outbox", "readonly", (s) => request(s.index("user").getAll(String(user))))),
    // Out of the outbox and into the refused, in one transaction: never both, never neither.
    refuse: (event, words) =>
      run(["outbox", "refused"], "readwrite", (outbox, tx) => {
        outbox.delete(event.seq);
        const refusal = { event_id: event.body.event_id, user: event.user, visit_id: event.visit_id, kind: event.kind, words };
        return request(tx.objectStore("refused").put(refusal));
      }),
    refusals: (user) => run("refused", "readonly", (s) => request(s.index("user").getAll(String(user)))),
    dismiss: (eventId) => run("refused", "readwrite", (s) => request(s.delete(eventId))),
    getMeta: async (key) => {
      const row = await run("meta", "readonly", (s) => request(s.get(key)));
      return row ? row.value : null;
    },
    setMeta: (key, value) => run("meta", "readwrite", (s) => request(s.put({ key, value }))),
  };

  // ---- Sending. ----

  // The real transport: the page's own JSON endpoint for the event, with the CSRF token.
  function fetchTransport(csrf) {
    return async (event) => {
      const response = await fetch(event.path, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json", "x-csrftoken": csrf },
        body: JSON.stringify(event.body),
        credentials: "same-origin",
      });
      const payload = await response.json().catch(() => ({}));
      return { status: response.status, payload };
    };
  }

  // One sender at a time across every page and the service worker (a Web Lock where the
  // browser has one, else one per page), so no event is ever in flight twice at once.
  let localLock = Promise.resolve();
  function exclusively(work) {
    if (scope.navigator && navigator.locks && navigator.locks.request) {
      return navigator.locks.request("ltc-outbox", work);
    }
    const next = localLock.then(work, work);
    localLock = next.catch(() => {});
    return next;
  }

  // Sends the user's waiting events, oldest first, until one cannot be sent now. Returns what
  // happened: the events sent (with the server's visit), those refused, and why it stopped
  // ("offline", "busy", "signed_out"; null when nothing is left).
  function flush(user, transport, onEach) {
    return exclusively(async () => {
      const outcome = { sent: [], refused: [], stopped: null };
      for (const event of await store.waiting(user)) {
        let answer;
        try {
          answer = await transport(event);
        } catch (error) {
          outcome.stopped = "offline";
          return outcome;
        }
        const kind = answerKind(answer.status, answer.payload && answer.payload.code);
        if (kind === "retry") {
          outcome.stopped = "busy";
          return outcome;
        }
        if (kind === "signed_out") {
          outcome.stopped = "signed_out";
          return outcome;
        }
        if (kind === "sent") {
          await store.remove(event.seq);
          if (answer.payload && answer.payload.id === event.visit_id) {
            await store.setMeta(`visit:${event.user}:${event.visit_id}`, answer.payload);
          }
          outcome.sent.push({ event, visit: answer.payload });
        } else {
          const words = (answer.payload && answer.payload.detail) || "";
          await store.refuse(event, words);
          outcome.refused.push({ event, words });
        }
        if (onEach) onEach(event, kind, answer.payload);
      }
      return outcome;
    });
  }

  // crypto.randomUUID needs a secure context; a version 4 id from random bytes otherwise.
  function newEventId() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  // Puts an event in the outbox; the caller then flushes. Returns the stored event.
  async function put(user, visitId, kind, body) {
    const event = {
      user: String(user),
      visit_id: Number(visitId),
      kind,
      path: `/visits/${visitId}/${kind === "check_in" ? "check-in" : "check-out"}`,
      body,
      made_at: new Date().toISOString(),
    };
    event.seq = await store.add(event);
    return event;
  }

  // Tells every page and the service worker that the outbox changed.
  const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("ltc-outbox") : null;
  function announce(detail) {
    if (channel) channel.postMessage(detail || {});
  }
  function onAnnounce(listener) {
    if (channel) channel.addEventListener("message", (message) => listener(message.data || {}));
  }

  // ---- The app on a page: the sender that keeps trying, and the service worker. ----

  // Asks the browser to send the outbox when the network is back even if every page is closed.
  function askForSync() {
    if (!scope.navigator || !navigator.serviceWorker) return;
    navigator.serviceWorker.ready
      .then((registration) => registration.sync && registration.sync.register("ltc-outbox"))
      .catch(() => {}); // no Background Sync here: the pages' own tries remain
  }

  // Sends the user's outbox now and again whenever there is a chance: the `online` event, the
  // page shown again, and a timer that backs off while the network stays away. `onOutcome` gets
  // each try's outcome. Returns the function that sends now.
  function keepSending(user, csrf, onOutcome) {
    let failures = 0;
    let timer = null;
    async function sendNow() {
      clearTimeout(timer);
      let outcome;
      try {
        outcome = await flush(user, fetchTransport(csrf));
      } catch (error) {
        outcome = { sent: [], refused: [], stopped: "offline" };
      }
      if (outcome.sent.length || outcome.refused.length) {
        announce({ visits: outcome.sent.map((s) => s.visit) });
      }
      if (outcome.stopped === "offline" || outcome.stopped === "busy") {
        timer = setTimeout(sendNow, backoffMs(failures++, Math.random()));
        askForSync();
      } else {
        failures = 0;
      }
      onOutcome(outcome);
      return outcome;
    }
    scope.addEventListener("online", () => {
      failures = 0;
      sendNow();
    });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") sendNow();
    });
    onAnnounce((message) => {
      if (message.waiting) sendNow(); // another page put an event in the outbox
    });
    return sendNow;
  }

  // Installs the service worker, lets it send for this user (it needs the CSRF token), and asks
  // it to keep `pages` for use offline; `onKept` runs once they are kept.
  async function installApp(user, csrf, pages, onKept) {
    await store.setMeta("csrf:" + user, csrf);
    if (!navigator.serviceWorker) return;
    try {
      await navigator.serviceWorker.register("/sw.js", { scope: "/" });
      const registration = await navigator.serviceWorker.ready;
      if (!pages || !pages.length || !registration.active) return;
      const reply = new MessageChannel();
      reply.port1.onmessage = (message) => onKept && onKept(message.data);
      registration.active.postMessage({ type: "keep", pages }, [reply.port2]);
    } catch (error) {
      // No service worker (a private window, an old browser): the app works online only.
    }
  }

  scope.LtcOutbox = {
    keepSending,
    installApp,
    askForSync,
    answerKind,
    backoffMs,
    newer,
    inSendingOrder,
    waitingByVisit,
    shownStatus,
    store,
    fetchTransport,
    flush,
    put,
    newEventId,
    announce,
    onAnnounce,
  };
})(typeof window !== "undefined" ? window : self);
