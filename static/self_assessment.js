// The self-assessment's grade, live as items are answered, from the instrument data the page
// puts in the form's data-self-assessment (its dimensions, items, points and grade table).
// A preview only: the server grades the answers again when the application is filed.
(function () {
  const form = document.querySelector("[data-self-assessment]");
  if (!form) return;
  const data = JSON.parse(form.dataset.selfAssessment);
  const answered = form.querySelector("[data-testid=self-eval-answered]");
  const grade = form.querySelector("[data-testid=self-eval-grade]");
  const verdict = form.querySelector("[data-testid=self-eval-verdict]");

  function dimensionScore(key, answers) {
    const rule = data.dimensions[key];
    let score = 0;
    for (const item of data.items) {
      if (item.dimension !== key || !(item.key in answers)) continue;
      const value = answers[item.key];
      if (rule.aggregate === "count") {
        if (value === String(rule.count_value)) score += 1;
      } else {
        const option = item.options.find((o) => String(o.value) === value);
        score += option ? Number(option.points) : 0;
      }
    }
    return score;
  }

  function update() {
    const answers = {};
    for (const input of form.querySelectorAll("input[type=radio][data-item]:checked")) {
      answers[input.dataset.item] = input.value;
    }
    const count = Object.keys(answers).length;
    answered.textContent = String(count);
    if (count < data.items.length) {
      grade.textContent = "–";
      verdict.textContent = data.words.incomplete;
      verdict.dataset.eligible = "";
      return;
    }
    const level = data.table[dimensionScore(data.rows, answers)][dimensionScore(data.columns, answers)];
    const eligible = data.eligible.includes(level);
    grade.textContent = data.labels[level] || level;
    grade.dataset.grade = level;
    verdict.textContent = eligible ? data.words.eligible : data.words.ineligible;
    verdict.dataset.eligible = eligible ? "yes" : "no";
  }

  form.addEventListener("change", update);
  update();
})();
