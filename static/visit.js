// A visit on the caregiver's phone: check in and check out with the phone's position.
// Every event gets its id when it is made and waits in localStorage until the server has
// answered, so a lost network loses nothing and a resend (same event id) is recorded once.
(function () {
  const root = document.querySelector(".visit-page");
  if (!root) return;
  const visitId = root.dataset.visitId;
  const csrf = root.dataset.csrf;
  const words = JSON.parse(root.dataset.words || "{}");
  const queueKey = "ltc-visit-" + visitId + "-events";
  const net = root.querySelector("[data-testid=net-status]");
  const checkInButton = root.querySelector("[data-testid=check-in]");
  const checkOutButton = root.querySelector("[data-testid=check-out]");
  const zh = document.documentElement.lang.startsWith("zh");
  const t = (zhText, enText) => (zh ? zhText : enText);
  // The page language's list: "a、b和c" / "a, b, and c", as the server writes it.
  const joinList = (items) =>
    window.Intl && Intl.ListFormat
      ? new Intl.ListFormat(document.documentElement.lang, { style: "long", type: "conjunction" }).format(items)
      : items.join(zh ? "、" : ", ");

  let visit = JSON.parse(root.dataset.visit || "{}");
  let queue = JSON.parse(localStorage.getItem(queueKey) || "[]");
  const itemNames = new Map(
    Array.from(root.querySelectorAll("input[name=items]")).map((input) => [input.value, input.dataset.name]),
  );
  let sending = false;
  let locating = false;

  function persist() {
    if (queue.length) localStorage.setItem(queueKey, JSON.stringify(queue));
    else localStorage.removeItem(queueKey);
  }

  function showNet(message, kind) {
    net.textContent = message || "";
    net.classList.toggle("net-error", kind === "error");
  }

  // Times as the server shows them: in the district's zone, whatever zone the phone is set to.
  const timeFormat = new Intl.DateTimeFormat("en-GB", {
    timeZone: root.dataset.zone || undefined, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });
  function clock(iso) { return iso ? timeFormat.format(new Date(iso)) : "–"; }

  function badge(text, className, attr, value) {
    const span = document.createElement("span");
    span.className = "badge " + className;
    span.dataset[attr] = value;
    span.textContent = text;
    return span;
  }

  // What the page shows: the server's visit, moved on by the events still waiting to be sent.
  function shownStatus() {
    let status = visit.status;
    for (const e of queue) {
      if (e.kind === "check_in" && status === "planned") status = "in_progress";
      if (e.kind === "check_out") status = "done";
    }
    return status;
  }

  function render() {
    const status = shownStatus();
    const statusCell = root.querySelector("[data-testid=visit-status]");
    statusCell.replaceChildren(
      badge((words.statuses || {})[status] || status, "visit-status-" + status, "status", status),
    );
    if (queue.length) {
      const waiting = document.createElement("span");
      waiting.className = "muted small";
      waiting.dataset.testid = "unsent";
      waiting.textContent = t("（待上传）", " (not sent yet)");
      statusCell.appendChild(waiting);
    }
    root.querySelector("[data-testid=checked-in-at]").textContent = clock(visit.checked_in_at);
    root.querySelector("[data-testid=checked-out-at]").textContent = clock(visit.checked_out_at);
    const flagCell = root.querySelector("[data-testid=visit-flags]");
    flagCell.replaceChildren();
    for (const code of visit.flags || []) {
      flagCell.appendChild(badge((words.flags || {})[code] || code, "visit-flag", "flag", code));
      flagCell.appendChild(document.createTextNode(" "));
    }
    if (!(visit.flags || []).length) {
      const none = document.createElement("span");
      none.className = "muted";
      none.textContent = t("无", "None");
      flagCell.appendChild(none);
    }
    for (const step of root.querySelectorAll("[data-step]")) {
      const name = step.dataset.step;
      step.hidden = !(
        (name === "check-in" && status === "planned") ||
        (name === "check-out" && status === "in_progress") ||
        (name === "done" && status === "done")
      );
    }
    const doneList = root.querySelector(".done-list");
    if (doneList && status === "done") {
      const pendingOut = queue.find((e) => e.kind === "check_out");
      const codes = pendingOut ? pendingOut.body.items || [] : visit.done_items || [];
      doneList.textContent = joinList(codes.map((code) => itemNames.get(code) || code));
    }
    checkInButton.disabled = locating;
    checkOutButton.disabled = locating;
  }

  async function post(kind, body) {
    const path = `/visits/${visitId}/${kind === "check_in" ? "check-in" : "check-out"}`;
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "x-csrftoken": csrf },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    const payload = await response.json().catch(() => ({}));
    return { ok: response.ok, status: response.status, payload };
  }

  let retryTimer = null;
  function retryLater() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, 30000);
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

  async function flush() {
    if (sending) return;
    sending = true;
    try {
      while (queue.length) {
        const pending = queue[0];
        let result;
        try {
          result = await post(pending.kind, pending.body);
        } catch (error) {
          showNet(t("离线：记录已保存在本机，联网后自动上传。", "Offline: kept on this phone and sent when the network is back."));
          retryLater();
          return;
        }
        if (result.status === 401) {
          showNet(
            t("登录已过期：请重新登录后回到本页，记录会自动上传。", "Signed out: sign in again and come back to this page to send it."),
            "error",
          );
          return;
        }
        if (result.status >= 500 || result.status === 408 || result.status === 429) {
          showNet(t("服务器暂时不可用：记录已保存在本机，稍后自动重试。", "The server is busy: kept on this phone, trying again soon."));
          retryLater();
          return;
        }
        queue.shift();
        persist();
        if (result.ok) {
          visit = result.payload;
          showNet(pending.kind === "check_in" ? t("已签到", "Checked in") : t("已签退", "Checked out"));
        } else {
          const detail = (result.payload && result.payload.detail) || t("提交失败", "Refused");
          showNet(t("未能记录：", "Not recorded: ") + detail, "error");
        }
        render();
      }
    } finally {
      sending = false;
    }
  }

  function locate() {
    return new Promise((resolve, reject) => {
      if (!navigator.geolocation) {
        reject({ code: 0 });
        return;
      }
      navigator.geolocation.getCurrentPosition(resolve, reject, {
        enableHighAccuracy: true,
        timeout: 20000,
        maximumAge: 0,
      });
    });
  }

  function whyNoPosition(error) {
    if (error && error.code === 1) {
      return t(
        "无法签到签退：定位权限被拒绝。请在浏览器设置中允许本网站使用位置信息，然后再试。",
        "Location access was refused: allow this site to use your location, then try again. Nothing was sent.",
      );
    }
    return t(
      "无法获取当前位置，未提交。请到室外或开启定位服务后再试。",
      "The position could not be read, so nothing was sent. Turn on location services and try again.",
    );
  }

  async function record(kind) {
    if (locating) return;
    locating = true;
    render();
    showNet(t("正在获取位置……", "Reading your position…"));
    let position;
    try {
      position = await locate();
    } catch (error) {
      locating = false;
      render();
      showNet(whyNoPosition(error), "error");
      return;
    }
    locating = false;
    const body = {
      event_id: newEventId(),
      at: new Date().toISOString(),
      lat: position.coords.latitude,
      lon: position.coords.longitude,
      accuracy_m: Math.min(Math.max(position.coords.accuracy || 0, 0), 100000),
    };
    if (kind === "check_out") {
      body.items = Array.from(root.querySelectorAll("input[name=items]:checked")).map((input) => input.value);
    }
    queue.push({ kind, body });
    persist();
    showNet(t("正在提交……", "Sending…"));
    render();
    await flush();
  }

  checkInButton.addEventListener("click", () => record("check_in"));
  checkOutButton.addEventListener("click", () => record("check_out"));
  window.addEventListener("online", flush);
  render();
  if (queue.length) flush();
})();
