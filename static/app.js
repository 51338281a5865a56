// Progress of a background job: poll its status until it is done or failed.
(function () {
  const box = document.querySelector("[data-job-id]");
  if (!box) return;
  const bar = box.querySelector("progress");
  const status = box.querySelector("[data-testid=job-status]");
  const result = box.querySelector("[data-testid=job-result]");
  const labels = JSON.parse(status.dataset.statusLabels || "{}");
  async function poll() {
    try {
      const response = await fetch("/api/v1/jobs/" + box.dataset.jobId, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const job = await response.json();
        bar.value = job.progress;
        status.textContent = labels[job.status] || job.status;
        box.dataset.jobStatus = job.status;
        if (job.result) { result.hidden = false; result.textContent = JSON.stringify(job.result, null, 2); }
        if (job.status === "done") {
          const next = box.querySelector("[data-testid=job-next]");
          if (next) next.hidden = false;
        }
        if (job.status === "done" || job.status === "failed") return;
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
