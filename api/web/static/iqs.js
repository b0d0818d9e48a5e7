// IQS pages: changes go to the API with the csrf cookie echoed in X-CSRF-Token (the cookie
// that signs the page in is refused without it); evidence highlighting; audio seeking.
"use strict";

function csrfToken() {
  const found = document.cookie.split("; ").find((c) => c.startsWith("iqs_csrf="));
  return found ? decodeURIComponent(found.slice("iqs_csrf=".length)) : "";
}

function say(text) { document.getElementById("status").textContent = text; }

async function callApi(method, url, body) {
  // JSON refusals from page routes too (api/web/pages.py), so their message can be shown
  const headers = { "X-CSRF-Token": csrfToken(), "Accept": "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url, { method, headers, credentials: "same-origin",
                                      body: body === undefined ? undefined : JSON.stringify(body) });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.message || response.status + " " + response.statusText);
  return answer;
}

// <button data-post="/v1/..."> : POST, then reload the page to show the new state.
function wireButtons() {
  for (const button of document.querySelectorAll("button[data-post]")) {
    button.addEventListener("click", async () => {
      button.disabled = true;
      try { await callApi("POST", button.dataset.post); location.reload(); }
      catch (error) { say(error.message); button.disabled = false; }
    });
  }
}

// Forms whose request is not their plain fields: by form id, the [url, JSON body] to post.
const REQUESTS = { review: (form) => [form.dataset.api, reviewBody(form)],
                   "new-session": sessionRequest };

// <form data-api="/v1/..."> : its named fields as a JSON body; then the page reloads, or
// goes to data-go with {id} replaced by the answer's id.
function wireForms() {
  for (const form of document.querySelectorAll("form[data-api]")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const request = REQUESTS[form.id];
      const [url, body] = request ? request(form)
                                  : [form.dataset.api, Object.fromEntries(new FormData(form))];
      try {
        const answer = await callApi("POST", url, body);
        say(form.dataset.done + (answer.score != null ? " " + answer.score : ""));
        const go = form.dataset.go;
        setTimeout(() => (go ? location.assign(go.replace("{id}", answer.id))
                             : location.reload()), 900);
      } catch (error) { say(error.message); }
    });
  }
}

// A new calibration session: its scorecard in the query, the ticked reviewers as a list.
function sessionRequest(form) {
  const fields = new FormData(form);
  const url = form.dataset.api + "?scorecard=" + encodeURIComponent(fields.get("scorecard"));
  return [url, { name: fields.get("name"), conversations: fields.get("conversations"),
                 reviewer_key_ids: fields.getAll("reviewer_key_ids") }];
}

// The review: per criterion agree, or a corrected verdict and/or score, with a comment.
function reviewBody(form) {
  const criteria = {};
  for (const row of form.querySelectorAll("[data-review-criterion]")) {
    const verdict = row.querySelector("select").value;
    const score = row.querySelector("input[type=number]").value;
    const comment = row.querySelector("input[type=text]").value.trim();
    if (verdict === "agree" && score === "") {
      criteria[row.dataset.reviewCriterion] = { agree: true, comment: comment || null };
    } else {
      criteria[row.dataset.reviewCriterion] = {
        agree: false, passed: verdict === "agree" ? null : verdict === "pass",
        score: score === "" ? null : Number(score), comment: comment || null };
    }
  }
  const note = form.querySelector("textarea[name=note]").value.trim();
  return { run_id: Number(form.dataset.run), note: note || null, criteria };
}

// Selecting a criterion lights its evidence spans (<mark data-criteria="a b">) in the turns.
function wireCriteria() {
  for (const item of document.querySelectorAll(".criterion[data-criterion]")) {
    item.addEventListener("click", () => {
      const name = item.dataset.criterion;
      const on = !item.classList.contains("selected");
      document.querySelectorAll(".criterion.selected").forEach((c) => c.classList.remove("selected"));
      document.querySelectorAll("mark.on").forEach((m) => m.classList.remove("on"));
      if (!on) return;
      item.classList.add("selected");
      let first = null;
      for (const mark of document.querySelectorAll("mark[data-criteria]")) {
        if (mark.dataset.criteria.split(" ").includes(name)) {
          mark.classList.add("on");
          first = first || mark;
        }
      }
      if (first) first.scrollIntoView({ block: "center", behavior: "smooth" });
    });
  }
}

// Clicking a timed turn of a call plays the recording from the turn's start.
function wireAudio() {
  const audio = document.querySelector("audio#recording");
  if (!audio) return;
  for (const turn of document.querySelectorAll(".turn[data-start]")) {
    turn.addEventListener("click", (event) => {
      if (event.target.closest("mark")) return;
      audio.currentTime = Number(turn.dataset.start);
      audio.play().catch(() => {});
    });
  }
}

// <form data-drop-empty>: empty fields are left out of the query (the API refuses "since=").
function wireFilters() {
  for (const form of document.querySelectorAll("form[data-drop-empty]")) {
    form.addEventListener("submit", () => {
      for (const field of form.elements) if (field.name && field.value === "") field.disabled = true;
    });
  }
}

// Selects line `number` (1-based) of the scorecard editor, scrolled into view.
function selectLine(number) {
  const area = document.querySelector("#scorecard-editor textarea[name=content]");
  const lines = area.value.split("\n");
  const start = lines.slice(0, number - 1).reduce((sum, line) => sum + line.length + 1, 0);
  area.focus();
  area.setSelectionRange(start, start + lines[number - 1].length);
  const height = area.scrollHeight / lines.length;
  area.scrollTop = Math.max(0, (number - 4) * height);
}

// The scorecard editor: "validate" lists each problem beside its key's path and line (nothing
// is kept); "save" posts the text as a new version and reloads the page.
function wireScorecard() {
  const form = document.getElementById("scorecard-editor");
  if (!form) return;
  const list = document.getElementById("problems");
  const content = () => ({ content: form.querySelector("textarea[name=content]").value });
  form.querySelector("[data-action=validate]")?.addEventListener("click", async () => {
    list.replaceChildren();
    try {
      const answer = await callApi("POST", form.dataset.validate, content());
      if (answer.valid) { say(form.dataset.valid); return; }
      for (const problem of answer.problems) {
        const item = document.createElement("li");
        const path = document.createElement("code");
        path.textContent = problem.field || "YAML";
        item.append(path);
        if (problem.line) item.append(" (" + form.dataset.line + " " + problem.line + ")");
        item.append(": " + problem.problem);
        item.dataset.field = problem.field;
        if (problem.line) {
          item.dataset.line = problem.line;
          item.addEventListener("click", () => selectLine(problem.line));
        }
        list.append(item);
      }
    } catch (error) { say(error.message); }
  });
  form.querySelector("[data-action=save]")?.addEventListener("click", async () => {
    try {
      const answer = await callApi("POST", form.dataset.save, content());
      say(form.dataset.saved + " " + answer.version);
      setTimeout(() => location.reload(), 900);
    } catch (error) { say(error.message); }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  wireButtons(); wireForms(); wireCriteria(); wireAudio(); wireFilters(); wireScorecard();
});
