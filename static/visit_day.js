// The phone app's home: today's and tomorrow's visits. Marks each visit with records still on the
// phone, counts them, sends them whenever the network is there, and (online) asks the service
// worker to keep this list and each visit's page for use with no signal.
(function () {
  const root = document.querySelector(".app-day");
  if (!root || !window.LtcOutbox) return;
  const Outbox = window.LtcOutbox;
  const user = root.dataset.user;
  const csrf = root.dataset.csrf;
  const zh = document.documentElement.lang.startsWith("zh");
  const t = (zhText, enText) => (zh ? zhText : enText);
  const count = root.querySelector("[data-testid=outbox-count]");
  const net = root.querySelector("[data-testid=net-status]");
  const offlineState = root.querySelector("[data-testid=offline-state]");
  const statusWords = JSON.parse(root.dataset.words || "{}");

  function markCard(card, events, refusedCount) {
    for (const old of card.querySelectorAll("[data-testid=unsent], [data-testid=refused-mark]")) old.remove();
    const who = card.querySelector(".visit-who");
    const status = Outbox.shownStatus(card.dataset.status, events);
    const badge = card.querySelector(".visit-state .badge");
    if (badge && badge.dataset.status !== status && statusWords[status]) {
      badge.className = "badge visit-status-" + status;
      badge.dataset.status = status;
      badge.textContent = statusWords[status];
    }
    if (events.length) {
      const mark = document.createElement("span");
      mark.className = "badge unsent";
      mark.dataset.testid = "unsent";
      mark.textContent = t(`${events.length}条待上传`, `${events.length} not sent`);
      who.append(" ", mark);
    }
    if (refusedCount) {
      const mark = document.createElement("span");
      mark.className = "badge visit-flag";
      mark.dataset.testid = "refused-mark";
      mark.textContent = t("有记录未被接受", "A record was refused");
      who.append(" ", mark);
    }
  }

  async function render() {
    let events = [];
    let refusals = [];
    try {
      events = await Outbox.store.waiting(user);
      refusals = await Outbox.store.refusals(user);
    } catch (error) {
      return; // no storage: nothing can be waiting
    }
    const byVisit = {};
    for (const e of events) (byVisit[e.visit_id] = byVisit[e.visit_id] || []).push(e);
    for (const card of root.querySelectorAll("[data-visit-id]")) {
      const id = Number(card.dataset.visitId);
      const known = await Outbox.store.getMeta(`visit:${user}:${id}`);
      card.dataset.status = Outbox.newer({ status: card.dataset.status }, known).status;
      markCard(card, byVisit[id] || [], refusals.filter((r) => r.visit_id === id).length);
    }
    count.hidden = !events.length;
    count.textContent = events.length
      ? t(`${events.length}条记录等待上传`, events.length === 1 ? "1 record waiting to be sent" : `${events.length} records waiting to be sent`)
      : "";
  }

  function take(outcome) {
    for (const sent of outcome.sent) {
      const card = sent.visit && root.querySelector(`[data-visit-id="${sent.visit.id}"]`);
      if (card) card.dataset.status = sent.visit.status;
    }
    if (outcome.stopped === "offline") net.textContent = t("离线：记录保存在本机，联网后自动上传。", "Offline: records are kept on this phone and sent when the network is back.");
    else if (outcome.stopped === "signed_out") net.textContent = t("登录已过期：请重新登录，记录会自动上传。", "Signed out: sign in again and the records are sent.");
    else net.textContent = "";
    return render();
  }

  const sendNow = Outbox.keepSending(user, csrf, take);
  Outbox.onAnnounce((message) => {
    for (const visit of message.visits || []) {
      const card = visit && root.querySelector(`[data-visit-id="${visit.id}"]`);
      if (card) card.dataset.status = visit.status;
    }
    render();
  });
  render().then(sendNow);
  if (navigator.onLine !== false) {
    const pages = JSON.parse(root.dataset.pages || "[]");
    Outbox.installApp(user, csrf, pages, (answer) => {
      if (answer && answer.kept === answer.of) {
        offlineState.dataset.kept = String(answer.kept);
        offlineState.textContent = t("今明两天的服务已存在本机，无信号时也能打开。", "Today's and tomorrow's visits are kept on this phone for use with no signal.");
      }
    });
  }
})();
