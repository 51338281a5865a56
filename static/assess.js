// The on-site assessment form. Answers live on the tablet (localStorage) first, so a lost
// network loses nothing; drafts and the submission go to the server when it is reachable.
// The submission carries one event id kept with the draft, so a resend is never doubled.
(function () {
  const root = document.querySelector(".assess");
  if (!root || root.dataset.open !== "yes") return;
  const appId = root.dataset.applicationId;
  const storeKey = "ltc-assessment-" + appId + "-" + root.dataset.round;
  const csrf = root.dataset.csrf;
  const form = root.querySelector("[data-testid=assessment-form]");
  const submitButton = root.querySelector("[data-testid=submit]");
  const net = root.querySelector("[data-testid=net-status]");
  const resultBox = root.querySelector("[data-testid=result]");
  const items = Array.from(form.querySelectorAll("fieldset.item"));
  // The form is never submitted by the browser (answers go by fetch); no inline handler, as
  // the Content-Security-Policy runs no inline code.
  form.addEventListener("submit", (event) => event.preventDefault());
  const zh = document.documentElement.lang.startsWith("zh");
  const t = (zhText, enText) => (zh ? zhText : enText);

  const saved = JSON.parse(localStorage.getItem(storeKey) || "null");
  const state = saved || {
    answers: JSON.parse(root.dataset.serverDraft || "{}"),
    startedAt: null, savedAt: null, eventId: crypto.randomUUID(), pendingSubmit: null, synced: true,
  };
  let position = null;

  function persist() { localStorage.setItem(storeKey, JSON.stringify(state)); }

  function restore() {
    for (const [key, value] of Object.entries(state.answers)) {
      const input = form.querySelector(`input[name="${CSS.escape(key)}"][value="${CSS.escape(String(value))}"]`);
      if (input) input.checked = true;
    }
  }

  function valueOf(input) { return input.dataset.kind === "int" ? Number(input.value) : input.value; }

  function localSums() {
    const sums = {};
    for (const input of form.querySelectorAll("input:checked")) {
      const dim = input.closest("fieldset").dataset.dimension;
      sums[dim] = (sums[dim] || 0) + Number(input.dataset.points);
    }
    return sums;
  }

  function render(preview) {
    const sums = localSums();
    for (const cell of root.querySelectorAll("[data-dim-score]")) {
      const key = cell.dataset.dimScore;
      cell.textContent = key in sums ? sums[key] : "–";
    }
    const answered = Object.keys(state.answers).length;
    root.querySelector("[data-testid=answered]").textContent = answered;
    const complete = answered === items.length;
    if (preview) {
      for (const cell of root.querySelectorAll("[data-dim-level]")) {
        const dim = (preview.dimensions || {})[cell.dataset.dimLevel];
        cell.textContent = dim && dim.level_label ? dim.level_label : "";
      }
      root.querySelector("[data-testid=level]").textContent =
        preview.complete && preview.level_label ? preview.level_label : t("待全部作答", "when all are answered");
    }
    submitButton.disabled = !complete || Boolean(state.pendingSubmit && state.pendingSubmit.done);
  }

  function showNet(message) { net.textContent = message || ""; }

  async function post(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "x-csrftoken": csrf },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    const payload = await response.json().catch(() => ({}));
    return { ok: response.ok, status: response.status, payload };
  }

  let draftTimer = null;
  function scheduleDraft() { clearTimeout(draftTimer); draftTimer = setTimeout(sendDraft, 400); }

  async function sendDraft() {
    try {
      const result = await post(`/assess/${appId}/draft`, { answers: state.answers, saved_at: state.savedAt });
      if (result.ok) {
        state.synced = true; persist(); showNet(""); render(result.payload.preview);
      } else {
        showNet((result.payload && result.payload.detail) || t("保存失败", "Could not save"));
      }
    } catch (error) {
      state.synced = false; persist();
      showNet(t("离线：答案已保存在本机，联网后自动上传。", "Offline: answers are kept on this tablet and sent when the network is back."));
    }
  }

  let submitting = false;
  async function sendSubmission() {
    // One request at a time: the browser's own "online" event and a retry must not race.
    if (!state.pendingSubmit || state.pendingSubmit.done || submitting) return;
    submitting = true;
    try {
      const result = await post(`/assess/${appId}/submit`, state.pendingSubmit.body);
      if (result.ok) {
        state.pendingSubmit.done = true; persist();
        const a = result.payload;
        resultBox.hidden = false;
        resultBox.innerHTML = "";
        const p = document.createElement("p");
        p.dataset.testid = "submitted";
        p.textContent = t("已提交：", "Submitted: ") + (a.level_label || a.level) + (a.severe ? t("（重度失能）", " (severe)") : "");
        resultBox.appendChild(p);
        showNet("");
        render(null);
        localStorage.removeItem(storeKey);
      } else {
        state.pendingSubmit = null; persist();
        showNet((result.payload && result.payload.detail) || t("提交失败", "Submission refused"));
        render(null);
      }
    } catch (error) {
      showNet(t("离线：评估将在联网后自动提交。", "Offline: the assessment will be submitted when the network is back."));
    } finally {
      submitting = false;
    }
  }

  form.addEventListener("change", (event) => {
    const input = event.target;
    if (input.type !== "radio") return;
    state.answers[input.name] = valueOf(input);
    state.startedAt = state.startedAt || new Date().toISOString();
    state.savedAt = new Date().toISOString();
    state.synced = false;
    persist();
    render(null);
    scheduleDraft();
  });

  submitButton.addEventListener("click", () => {
    const assessorIds = Array.from(root.querySelectorAll("input[name=assessor_ids]:checked")).map((i) => Number(i.value));
    const body = {
      event_id: state.eventId,
      application_id: Number(appId),
      instrument: root.dataset.instrument,
      instrument_version: root.dataset.version,
      answers: state.answers,
      assessor_ids: assessorIds,
      started_at: state.startedAt || new Date().toISOString(),
      finished_at: new Date().toISOString(),
    };
    if (position) { body.lat = position.latitude; body.lon = position.longitude; }
    state.pendingSubmit = { body, done: false };
    persist();
    submitButton.disabled = true;
    sendSubmission();
  });

  // Evidence goes straight to the server (photos are too big to keep in localStorage);
  // offline, the assessor is told to add it once the network is back.
  const photoInput = root.querySelector("[data-testid=add-photo] input");
  const evidenceStatus = root.querySelector("[data-testid=evidence-status]");
  const evidenceList = root.querySelector("[data-testid=evidence-list]");
  photoInput.addEventListener("change", async () => {
    const file = photoInput.files[0];
    if (!file) return;
    const form = new FormData();
    form.append("file", file, file.name);
    form.append("taken_at", new Date(file.lastModified || Date.now()).toISOString());
    if (position) { form.append("lat", position.latitude); form.append("lon", position.longitude); }
    evidenceStatus.textContent = t("正在上传……", "Uploading…");
    try {
      const response = await fetch(`/assess/${appId}/evidence`, {
        method: "POST", body: form, credentials: "same-origin",
        headers: { Accept: "application/json", "x-csrftoken": csrf },
      });
      const payload = await response.json().catch(() => ({}));
      if (!response.ok) { evidenceStatus.textContent = payload.detail || t("上传失败", "Upload refused"); return; }
      evidenceStatus.textContent = response.status === 201 ? t("已上传", "Uploaded") : t("该文件已上传过", "Already uploaded");
      if (response.status === 201) {
        const empty = evidenceList.querySelector("[data-testid=no-evidence]");
        if (empty) empty.remove();
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = `/evidence/${payload.id}`; link.target = "_blank"; link.rel = "noopener";
        link.textContent = (payload.kind === "photo" ? t("照片", "Photo") : t("文件", "Document")) + " #" + payload.id;
        item.appendChild(link);
        evidenceList.appendChild(item);
      }
    } catch (error) {
      evidenceStatus.textContent = t("离线：请联网后再添加照片。", "Offline: add the photo once the network is back.");
    } finally {
      photoInput.value = "";
    }
  });

  window.addEventListener("online", () => { if (!state.synced) sendDraft(); sendSubmission(); });
  if (navigator.geolocation) {
    navigator.geolocation.getCurrentPosition((p) => { position = p.coords; }, () => {}, { timeout: 10000 });
  }
  restore();
  render(null);
  if (state.pendingSubmit && !state.pendingSubmit.done) sendSubmission();
  else if (Object.keys(state.answers).length) sendDraft();
})();
