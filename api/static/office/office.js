// The office dashboard: reads /v1/office/* with the console session; charts by plotly.js
// (served by the API from the plotly package). No inline scripts (CSP).
(function () {
  "use strict";
  const CSRF = document.querySelector('meta[name="csrf-token"]').content;
  const $ = (id) => document.getElementById(id);
  const TABLES = ["conversations", "messages", "answer_feedback", "csat_ratings", "pakn_cases",
                  "handoff_tickets"];
  const LAYOUT = { margin: { l: 40, r: 10, t: 10, b: 40 }, height: 250, autosize: true };
  const CONFIG = { displayModeBar: false, responsive: true, staticPlot: false };
  let filtersFilled = false;

  function showError(text) {
    const box = $("error");
    box.textContent = text || "";
    box.hidden = !text;
  }

  async function call(path, options) {
    const resp = await fetch(path, Object.assign({ credentials: "same-origin" }, options || {}));
    let body = null;
    try { body = await resp.json(); } catch (e) { body = null; }
    if (resp.status === 401) {
      window.location.href = "/console/login";
      throw new Error("Signed out");
    }
    if (!resp.ok) {
      const msg = body && body.error ? body.error.message : ("HTTP " + resp.status);
      throw new Error(msg);
    }
    return body;
  }

  function query() {
    const p = new URLSearchParams();
    for (const k of ["start", "end", "channel", "field"]) {
      const v = $(k).value;
      if (v) p.set(k, v);
    }
    return p.toString();
  }

  const pct = (x) => (x === null || x === undefined) ? "–" : (100 * x).toFixed(1) + " %";
  const secs = (x) => (x === null || x === undefined) ? "–" : (x < 120 ? x.toFixed(0) + " s" : (x / 60).toFixed(1) + " min");

  function bar(id, labels, values, horizontal) {
    const trace = horizontal
      ? { type: "bar", orientation: "h", y: labels, x: values, marker: { color: "#0b4f8a" } }
      : { type: "bar", x: labels, y: values, marker: { color: "#0b4f8a" } };
    const layout = Object.assign({}, LAYOUT, horizontal ? { margin: { l: 220, r: 10, t: 10, b: 30 }, yaxis: { automargin: true, autorange: "reversed" } } : {});
    window.Plotly.react($(id), [trace], layout, CONFIG);
  }

  function fillFilters(filters) {
    if (filtersFilled) return;
    filtersFilled = true;
    for (const ch of filters.channels) $("channel").add(new Option(ch, ch));
    for (const f of filters.fields) $("field").add(new Option(f, f));
  }

  function render(d) {
    fillFilters(d.filters);
    $("start").value = d.range.start;
    $("end").value = d.range.end;
    $("n-conversations").textContent = d.volume.conversations;
    $("n-messages").textContent = d.volume.messages;
    for (const k of ["answered", "clarified", "abstained", "handed_off"]) {
      $("r-" + k).textContent = pct(d.outcomes.rates[k]);
    }
    $("csat-mean").textContent = d.csat.mean === null ? "–" : d.csat.mean.toFixed(2);
    $("csat-n").textContent = d.csat.answered + " rated";
    $("wait-p50").textContent = secs(d.waiting.p50_seconds);
    $("wait-p90").textContent = secs(d.waiting.p90_seconds);
    $("pakn-total").textContent = d.pakn.total;
    $("pakn-overdue").textContent = d.pakn.overdue;
    const ch = d.volume.by_channel;
    window.Plotly.react($("chart-channels"), [
      { type: "bar", name: "conversations", x: ch.map((r) => r.channel), y: ch.map((r) => r.conversations) },
      { type: "bar", name: "messages", x: ch.map((r) => r.channel), y: ch.map((r) => r.messages) },
    ], Object.assign({}, LAYOUT, { barmode: "group" }), CONFIG);
    const oc = d.outcomes.counts;
    bar("chart-outcomes", Object.keys(oc), Object.values(oc));
    bar("chart-procedures", d.procedures.top_procedures.map((r) => r.name), d.procedures.top_procedures.map((r) => r.turns), true);
    bar("chart-fields", d.procedures.by_field.map((r) => r.field), d.procedures.by_field.map((r) => r.turns), true);
    bar("chart-aspects", d.procedures.top_aspects.map((r) => r.aspect), d.procedures.top_aspects.map((r) => r.turns));
    bar("chart-csat", d.csat.distribution.map((r) => String(r.score)), d.csat.distribution.map((r) => r.count));
    bar("chart-tickets", d.tickets.map((r) => r.category), d.tickets.map((r) => r.tickets));
    bar("chart-pakn", d.pakn.by_status.map((r) => r.status), d.pakn.by_status.map((r) => r.cases));
    const body = $("helpful").querySelector("tbody");
    body.replaceChildren();
    const worst = d.helpful.slice().sort((a, b) => b.not_helpful - a.not_helpful || b.votes - a.votes);
    for (const r of worst.slice(0, 20)) {  // the most 'no's first; the export has all
      const tr = document.createElement("tr");
      for (const v of [r.name || r.procedure || "(no procedure)", r.votes, r.helpful, r.not_helpful, pct(r.rate)]) {
        const td = document.createElement("td");
        td.textContent = v;
        tr.appendChild(td);
      }
      tr.dataset.procedure = r.procedure || "";
      body.appendChild(tr);
    }
    const ex = $("exports");
    ex.replaceChildren();
    const q = query();
    for (const t of TABLES) {
      const li = document.createElement("li");
      li.textContent = t + ": ";
      for (const fmt of ["csv", "xlsx"]) {
        const a = document.createElement("a");
        a.href = "/v1/office/export/" + t + "." + fmt + (q ? "?" + q : "");
        a.textContent = fmt.toUpperCase();
        a.dataset.table = t;
        a.dataset.format = fmt;
        li.appendChild(a);
        li.appendChild(document.createTextNode(" "));
      }
      ex.appendChild(li);
    }
  }

  function draftForm(group) {
    const form = document.createElement("form");
    form.className = "draft";
    const kind = document.createElement("select");
    kind.name = "kind";
    kind.add(new Option("alias of a procedure", "alias"));
    kind.add(new Option("FAQ entry", "faq"));
    const proc = document.createElement("select");
    proc.name = "procedure";
    proc.add(new Option("(procedure)", ""));
    for (const p of group.procedures) proc.add(new Option(p.name, p.id));
    for (const p of group.catalogue) if (!group.procedures.some((x) => x.id === p.id)) proc.add(new Option(p.name, p.id));
    const wording = document.createElement("input");
    wording.name = "wording";
    wording.value = group.representative;
    wording.size = 40;
    const answer = document.createElement("textarea");
    answer.name = "answer";
    answer.placeholder = "FAQ answer (written by you)";
    answer.rows = 2;
    answer.cols = 40;
    answer.hidden = true;
    kind.addEventListener("change", () => { answer.hidden = kind.value !== "faq"; });
    const go = document.createElement("button");
    go.type = "submit";
    go.textContent = "Draft";
    form.append(kind, proc, wording, answer, go);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      $("draft-result").textContent = "";
      try {
        const body = { kind: kind.value, procedure: proc.value || null, wording: wording.value,
                       answer: kind.value === "faq" ? answer.value : null,
                       questions: group.questions.map((q) => q.text) };
        const res = await call("/v1/office/drafts", { method: "POST", body: JSON.stringify(body),
          headers: { "Content-Type": "application/json", "X-CSRF-Token": CSRF } });
        $("draft-result").textContent = (res.valid ? "Valid draft written: " : "Draft written, NOT valid: ") + res.path + (res.problems.length ? " — " + res.problems.join("; ") : "");
        $("draft-result").dataset.valid = String(res.valid);
      } catch (e) {
        $("draft-result").textContent = "Draft refused: " + e.message;
        $("draft-result").dataset.valid = "false";
      }
    });
    return form;
  }

  function renderUnanswered(data) {
    const list = $("unanswered");
    list.replaceChildren();
    if (!data.groups.length) {
      const li = document.createElement("li");
      li.textContent = "No unanswered questions in this range.";
      list.appendChild(li);
    }
    for (const g of data.groups.slice(0, 12)) {
      g.catalogue = data.catalogue;
      const li = document.createElement("li");
      const n = document.createElement("span");
      n.className = "count";
      n.textContent = g.count + "×";
      const text = document.createElement("span");
      text.className = "representative";
      text.textContent = g.representative;
      const why = document.createElement("span");
      why.className = "muted";
      why.textContent = " (" + Object.entries(g.reasons).map(([k, v]) => k + " " + v).join(", ") + ")";
      li.append(n, text, why);
      const more = document.createElement("ul");
      for (const q of g.questions.slice(0, 5)) {
        const i = document.createElement("li");
        i.textContent = q.text + (q.count > 1 ? " (" + q.count + "×)" : "");
        more.appendChild(i);
      }
      li.appendChild(more);
      li.appendChild(draftForm(g));
      list.appendChild(li);
    }
  }

  async function refresh() {
    $("status").textContent = "Loading…";
    try {
      const q = query();
      const d = await call("/v1/office/dashboard" + (q ? "?" + q : ""));
      render(d);
      const u = await call("/v1/office/unanswered?" + query());
      renderUnanswered(u);
      showError("");
      $("status").textContent = "Updated " + new Date().toLocaleTimeString();
    } catch (e) {
      showError("Could not load the dashboard: " + e.message);
      $("status").textContent = "";
    }
  }

  $("filters").addEventListener("submit", (ev) => { ev.preventDefault(); refresh(); });
  refresh();
})();
