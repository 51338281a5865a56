// A registry import under way: move the progress bar as the job reports, and show the
// page again when it ends (the server draws the report).
(function () {
  const box = document.querySelector("[data-import-job]");
  if (!box || box.dataset.jobStatus === "done" || box.dataset.jobStatus === "failed") return;
  const bar = box.querySelector("progress");
  async function poll() {
    try {
      const response = await fetch("/api/v1/jobs/" + box.dataset.importJob, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const job = await response.json();
        bar.value = job.progress;
        if (job.status === "done" || job.status === "failed") { window.location.reload(); return; }
      }
    } catch (error) { /* the network dropped: try again shortly */ }
    setTimeout(poll, 700);
  }
  poll();
})();
