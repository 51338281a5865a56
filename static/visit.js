// A visit on the caregiver's phone: check in and check out with the phone's position, the home's
// presence card (scanned or typed), a photo at the door and the family's signature when asked.
// Every event goes into the phone's one outbox (static/outbox.js) with the id it was given when
// made, and is sent from there whenever the network is there, in the order it was made.
(function () {
  const root = document.querySelector(".visit-page");
  if (!root || !window.LtcOutbox) return;
  const Outbox = window.LtcOutbox;
  const Presence = window.LtcPresence;
  const visitId = Number(root.dataset.visitId);
  const user = root.dataset.user;
  const csrf = root.dataset.csrf;
  const personId = Number(root.dataset.personId);
  const words = JSON.parse(root.dataset.words || "{}");
  const evidence = JSON.parse(root.dataset.evidence || '{"asks": {}, "takes": {}}');
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
  let waiting = []; // this visit's events in the outbox
  let refusals = [];
  const itemNames = new Map(
    Array.from(root.querySelectorAll("input[name=items]")).map((input) => [input.value, input.dataset.name]),
  );
  let locating = false;

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

  function render() {
    const status = Outbox.shownStatus(visit.status, waiting);
    const statusCell = root.querySelector("[data-testid=visit-status]");
    statusCell.replaceChildren(
      badge((words.statuses || {})[status] || status, "visit-status-" + status, "status", status),
    );
    if (waiting.length) {
      const mark = document.createElement("span");
      mark.className = "badge unsent";
      mark.dataset.testid = "unsent";
      mark.textContent = t("待上传", "Not sent yet");
      statusCell.append(" ", mark);
    }
    // A time still on the phone is shown as the phone recorded it until the server has it.
    const pendingAt = (kind) => (waiting.find((e) => e.kind === kind) || { body: {} }).body.at;
    root.querySelector("[data-testid=checked-in-at]").textContent = clock(visit.checked_in_at || pendingAt("check_in"));
    root.querySelector("[data-testid=checked-out-at]").textContent = clock(visit.checked_out_at || pendingAt("check_out"));
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
      const pendingOut = waiting.find((e) => e.kind === "check_out");
      const codes = pendingOut ? pendingOut.body.items || [] : visit.done_items || [];
      doneList.textContent = joinList(codes.map((code) => itemNames.get(code) || code));
    }
    const refusedBox = root.querySelector("[data-testid=refused]");
    refusedBox.hidden = !refusals.length;
    refusedBox.querySelector(".refused-list").replaceChildren(
      ...refusals.map((r) => {
        const li = document.createElement("li");
        li.dataset.testid = "refusal";
        const what = r.kind === "check_in" ? t("签到", "Check-in") : t("签退", "Check-out");
        li.textContent = `${what}：${r.words || t("提交失败", "Refused")} `;
        const dismiss = document.createElement("button");
        dismiss.type = "button";
        dismiss.className = "link";
        dismiss.textContent = t("知道了", "Understood");
        dismiss.addEventListener("click", async () => {
          await Outbox.store.dismiss(r.event_id);
          await reload();
        });
        li.appendChild(dismiss);
        return li;
      }),
    );
    checkInButton.disabled = locating;
    checkOutButton.disabled = locating;
  }

  async function reload() {
    try {
      // A page kept on the phone may be older than the server's last answer to this phone.
      visit = Outbox.newer(visit, await Outbox.store.getMeta(`visit:${user}:${visitId}`));
      waiting = (await Outbox.store.waiting(user)).filter((e) => e.visit_id === visitId);
      refusals = (await Outbox.store.refusals(user)).filter((r) => r.visit_id === visitId);
    } catch (error) {
      showNet(t("本机无法保存记录（浏览器存储不可用）。", "This phone cannot keep records (browser storage is off)."), "error");
    }
    render();
  }

  function explain(outcome) {
    const mine = outcome.refused.filter((r) => r.event.visit_id === visitId);
    if (mine.length) showNet(t("未能记录：", "Not recorded: ") + mine[mine.length - 1].words, "error");
    else if (outcome.stopped === "offline")
      showNet(t("离线：记录已保存在本机，联网后自动上传。", "Offline: kept on this phone and sent when the network is back."));
    else if (outcome.stopped === "busy")
      showNet(t("服务器暂时不可用：记录已保存在本机，稍后自动重试。", "The server is busy: kept on this phone, trying again soon."));
    else if (outcome.stopped === "signed_out")
      showNet(
        t("登录已过期：请重新登录，记录会自动上传。", "Signed out: sign in again and the records are sent."),
        "error",
      );
    else if (outcome.sent.some((s) => s.event.visit_id === visitId)) {
      const last = outcome.sent.filter((s) => s.event.visit_id === visitId).pop();
      showNet(last.event.kind === "check_in" ? t("已签到", "Checked in") : t("已签退", "Checked out"));
    }
  }

  function take(outcome) {
    for (const s of outcome.sent) if (s.event.visit_id === visitId && s.visit && s.visit.id === visitId) visit = s.visit;
    explain(outcome);
    return reload();
  }
  const sendNow = Outbox.keepSending(user, csrf, take);
  Outbox.onAnnounce((message) => {
    for (const sent of message.visits || []) if (sent && sent.id === visitId) visit = sent;
    reload();
  });

  // ---- The presence card: scanned (the time code is computed at the event's time) or typed. ----

  const cards = {}; // kind → the card read by the camera, until the event is made
  const scanner = document.querySelector("[data-testid=scanner]");
  let stopScan = null;

  function presenceState(kind, message, kindOfMessage) {
    const state = root.querySelector(`[data-testid=presence-state-${kind}]`);
    if (!state) return;
    state.textContent = message;
    state.classList.toggle("error-text", kindOfMessage === "error");
  }

  function closeScanner() {
    if (stopScan) stopScan();
    stopScan = null;
    scanner.hidden = true;
  }

  async function openScanner(kind) {
    scanner.hidden = false;
    try {
      stopScan = await Presence.scan(scanner.querySelector("video"), (text) => {
        closeScanner();
        useCardText(kind, text);
      });
    } catch (error) {
      closeScanner();
      presenceState(
        kind,
        t("无法使用相机：请输入卡上的6位数字。", "The camera cannot be used: type the 6 digits on the card."),
        "error",
      );
    }
  }

  // What the camera read, as the card's parser understands it.
  function useCardText(kind, text) {
    const card = Presence.readCard(text);
    const input = root.querySelector(`[data-testid=presence-code-${kind}]`);
    if (!card) {
      presenceState(kind, t("这不是在场证明卡的二维码。", "This is not a presence card's QR code."), "error");
    } else if (card.code) {
      input.value = card.code;
      presenceState(kind, t("已读取卡上的代码。", "The card's code was read."));
    } else if (card.personId !== personId) {
      presenceState(kind, t("这张卡属于另一位服务对象。", "This card belongs to another person's home."), "error");
    } else {
      cards[kind] = card;
      input.value = "";
      presenceState(kind, t("已扫描本户的在场证明卡。", "This home's presence card was scanned."));
    }
  }

  for (const button of root.querySelectorAll("button.scan")) {
    button.addEventListener("click", () => openScanner(button.dataset.testid.replace("scan-", "")));
  }
  scanner.querySelector("[data-testid=scanner-close]").addEventListener("click", closeScanner);

  // The code an event carries: the scanned card's time code for the event's time, or the typed one.
  async function presenceCode(kind, atMs) {
    const card = cards[kind];
    if (card) return Presence.timeCode(card.secret, atMs);
    const input = root.querySelector(`[data-testid=presence-code-${kind}]`);
    return input ? input.value.trim() : "";
  }

  // ---- The photo at check-in, downscaled on the phone. ----

  let photo = null;

  const photoInput = root.querySelector("[data-testid=photo]");
  if (photoInput) {
    photoInput.addEventListener("change", async () => {
      const file = photoInput.files && photoInput.files[0];
      if (!file) return;
      photo = await Presence.downscalePhoto(file);
      const preview = root.querySelector("[data-testid=photo-preview]");
      preview.src = photo;
      preview.hidden = false;
    });
  }

  // ---- The signature pad: a finger on a canvas, sent as a PNG. ----

  const pad = root.querySelector("[data-testid=signature-pad]");
  let signed = false;
  if (pad) {
    const ink = pad.getContext("2d");
    ink.lineWidth = 2.5;
    ink.lineCap = "round";
    ink.strokeStyle = "#1a1a1a";
    let drawing = false;
    const at = (e) => {
      const box = pad.getBoundingClientRect();
      return [((e.clientX - box.left) * pad.width) / box.width, ((e.clientY - box.top) * pad.height) / box.height];
    };
    pad.addEventListener("pointerdown", (e) => {
      drawing = true;
      pad.setPointerCapture(e.pointerId);
      ink.beginPath();
      ink.moveTo(...at(e));
      e.preventDefault();
    });
    pad.addEventListener("pointermove", (e) => {
      if (!drawing) return;
      ink.lineTo(...at(e));
      ink.stroke();
      if (!signed) {
        signed = true;
        root.querySelector("[data-testid=signature-state]").textContent = t("已签名", "Signed");
      }
    });
    const end = () => {
      drawing = false;
    };
    pad.addEventListener("pointerup", end);
    pad.addEventListener("pointercancel", end);
    root.querySelector("[data-testid=clear-signature]").addEventListener("click", () => {
      ink.clearRect(0, 0, pad.width, pad.height);
      signed = false;
      root.querySelector("[data-testid=signature-state]").textContent = t("请用手指在此签名", "Sign here with a finger");
    });
  }

  // ---- Recording an event. ----

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
    const typed = root.querySelector(`[data-testid=presence-code-${kind}]`);
    if (typed && typed.value.trim() && !/^[0-9]{6}$/.test(typed.value.trim())) {
      presenceState(kind, t("代码是6位数字。", "The code is 6 digits."), "error");
      typed.focus();
      return;
    }
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
    const now = new Date();
    const body = {
      event_id: Outbox.newEventId(),
      at: now.toISOString(),
      lat: position.coords.latitude,
      lon: position.coords.longitude,
      accuracy_m: Math.min(Math.max(position.coords.accuracy || 0, 0), 100000),
    };
    const takes = evidence.takes[kind] || [];
    const code = await presenceCode(kind, now.getTime());
    if (code && takes.includes("presence_code")) body.presence_code = code;
    if (kind === "check_in" && photo && takes.includes("photo")) body.photo = photo;
    if (kind === "check_out") {
      body.items = Array.from(root.querySelectorAll("input[name=items]:checked")).map((input) => input.value);
      if (signed && pad && takes.includes("signature")) body.signature = pad.toDataURL("image/png");
    }
    try {
      await Outbox.put(user, visitId, kind, body);
    } catch (error) {
      render();
      showNet(t("本机无法保存记录（浏览器存储不可用）。", "This phone cannot keep records (browser storage is off)."), "error");
      return;
    }
    delete cards[kind]; // nothing of the card's secret outlives the event
    if (typed) typed.value = "";
    presenceState(kind, "");
    Outbox.announce({ waiting: true });
    Outbox.askForSync();
    showNet(t("正在提交……", "Sending…"));
    await reload();
    await sendNow();
  }

  checkInButton.addEventListener("click", () => record("check_in"));
  checkOutButton.addEventListener("click", () => record("check_out"));
  Outbox.installApp(user, csrf, null);
  reload().then(() => {
    if (waiting.length) sendNow();
  });
})();
