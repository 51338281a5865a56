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

// On a phone the top bar folds the search, the account and the navigation behind a menu
// button: it says whether it is open (aria-expanded), and Escape closes it again.
(function () {
  const toggle = document.querySelector(".menu-toggle");
  if (!toggle) return;
  function show(open) {
    document.body.classList.toggle("menu-open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }
  toggle.addEventListener("click", function () { show(!document.body.classList.contains("menu-open")); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && document.body.classList.contains("menu-open")) {
      show(false);
      toggle.focus();
    }
  });
})();

// On a phone a data table becomes one card per row: each cell is labelled with its column's
// heading (data-label, shown by app.css under 600 px), so no column is squeezed to one
// character per line.
(function () {
  document.querySelectorAll("table.data").forEach(function (table) {
    const headRow = table.tHead && table.tHead.rows[0];
    if (!headRow) return;
    const labels = [];
    Array.from(headRow.cells).forEach(function (th) {
      for (let i = 0; i < th.colSpan; i += 1) labels.push(th.textContent.trim());
    });
    Array.from(table.tBodies).forEach(function (body) {
      Array.from(body.rows).forEach(function (row) {
        let column = 0;
        Array.from(row.cells).forEach(function (cell) {
          if (cell.colSpan === 1 && labels[column] && !cell.hasAttribute("data-label")) cell.dataset.label = labels[column];
          column += cell.colSpan;
        });
      });
    });
    table.classList.add("stacks");
  });
})();
