// Progress of a background job: poll its status, move the bar and the percentage, and once it
// is done or failed fetch the page again for the result in words.
(function () {
  const box = document.querySelector("[data-job-id]");
  if (!box) return;
  const bar = box.querySelector("[data-testid=job-progress]");
  const percent = box.querySelector("[data-testid=job-percent]");
  const status = box.querySelector("[data-testid=job-status]");
  const labels = JSON.parse(box.dataset.statusLabels || "{}");
  async function showResult() {
    const response = await fetch(window.location.href, { headers: { Accept: "text/html" } });
    if (!response.ok) return false;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.querySelector("[data-job-id]");
    if (!fresh) return false;
    box.replaceChildren(...Array.from(fresh.childNodes).map((node) => document.importNode(node, true)));
    box.dataset.jobStatus = fresh.dataset.jobStatus;
    return true;
  }
  async function poll() {
    try {
      const response = await fetch("/api/v1/jobs/" + box.dataset.jobId, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const job = await response.json();
        const shown = Math.round(job.progress * 100);
        bar.value = shown;
        bar.textContent = shown + "%";
        percent.textContent = shown + "%";
        status.textContent = labels[job.status] || "";
        if ((job.status === "done" || job.status === "failed") && (await showResult())) return;
      }
    } catch (error) { /* the network dropped: try again shortly */ }
    setTimeout(poll, 700);
  }
  if (box.dataset.jobStatus !== "done" && box.dataset.jobStatus !== "failed") poll();
})();

// Irreversible steps ask first: <form data-confirm="…"> or <button data-confirm="…">.
document.addEventListener("submit", function (event) {
  const form = event.target;
  const button = event.submitter;
  const question = (button && button.dataset.confirm) || form.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});

// The navigation folds behind a menu button on a phone.
(function () {
  const nav = document.querySelector(".mainnav");
  if (!nav) return;
  const toggle = nav.querySelector(".menu-toggle");
  toggle.addEventListener("click", function () {
    const open = nav.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();
