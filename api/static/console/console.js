/* The hotline agent console: live queue (SSE), claim, transcript, composer with templates,
 * suggested answers, transfer / close / hand back, catalogue search, dossier lookup.
 * Every text from the server is put in the page with textContent, never as HTML. */
"use strict";
(function () {
  const CSRF = document.querySelector('meta[name="csrf-token"]').content;
  const whoEl = document.getElementById("who");
  const ME = { login: whoEl.dataset.login, role: whoEl.dataset.role };
  const SUPERVISOR = ME.role === "supervisor";
  const $ = (id) => document.getElementById(id);
  const ROLE = { citizen: "Công dân", bot: "Trợ lý ảo", agent: "Cán bộ", system: "Hệ thống" };
  const CHANNEL = { web: "Web", zalo: "Zalo", messenger: "Messenger" };
  const PRIORITY = { high: "Ưu tiên cao", normal: "Bình thường", low: "Thấp" };
  const ASPECT = {
    overview: "Tổng quan", documents: "Hồ sơ", time: "Thời hạn", fee: "Lệ phí",
    place: "Nơi nộp", steps: "Trình tự", online: "Nộp trực tuyến", conditions: "Điều kiện",
    legal_basis: "Căn cứ pháp lý", result: "Kết quả", deadline: "Thời hạn",
    validity: "Hiệu lực", who: "Đối tượng", forms: "Mẫu đơn",
  };

  const tickets = new Map(); // id -> ticket (waiting or claimed)
  let current = null; // the open ticket
  let agents = [];
  let everyone = [];
  const baseTitle = document.title;
  let unseen = 0;

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    Object.entries(props || {}).forEach(([k, v]) => {
      if (k === "text") node.textContent = v;
      else if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    });
    children.forEach((c) => c && node.append(c));
    return node;
  }

  async function api(method, path, body) {
    const resp = await fetch(path, {
      method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": CSRF },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (resp.status === 401) { window.location.assign("/console/login"); throw new Error("401"); }
    const data = resp.headers.get("content-type")?.includes("json") ? await resp.json() : null;
    return { ok: resp.ok, status: resp.status, data };
  }

  function notice(text) {
    const box = $("notice");
    box.textContent = text;
    box.hidden = !text;
    if (text) setTimeout(() => { if (box.textContent === text) box.hidden = true; }, 8000);
  }

  function waited(ticket) {
    const minutes = Math.max(0, Math.round((Date.now() - Date.parse(ticket.created_at)) / 60000));
    return minutes < 1 ? "vừa xong" : `chờ ${minutes} phút`;
  }

  // -- the queue -----------------------------------------------------------------------
  function ticketItem(t) {
    const open = () => openTicket(t.id);
    const item = el("li", { class: `ticket prio-${t.priority}`, "data-ticket": String(t.id) },
      el("button", { type: "button", class: "ticket-open", onclick: open,
                     "aria-label": `Mở phiếu ${t.id}` },
        el("span", { class: "channel", text: CHANNEL[t.channel] || t.channel }),
        el("span", { class: "prio", text: PRIORITY[t.priority] || t.priority }),
        t.category ? el("span", { class: "category", text: t.category }) : null,
        el("span", { class: "age", text: t.status === "waiting" ? waited(t) : (t.agent || "") }),
        el("span", { class: "question", text: t.last_question || "(chưa có câu hỏi)" })));
    if (t.status === "waiting") {
      item.append(el("button", { type: "button", class: "claim", text: "Nhận",
                                 onclick: () => claim(t.id) }));
    }
    return item;
  }

  function renderQueue() {
    const all = [...tickets.values()];
    const waiting = all.filter((t) => t.status === "waiting")
      .sort((a, b) => (b.priority === "high") - (a.priority === "high") || a.id - b.id);
    const mine = all.filter((t) => t.status === "claimed" && t.agent === ME.login);
    const others = all.filter((t) => t.status === "claimed" && t.agent !== ME.login);
    $("waiting").replaceChildren(...waiting.map(ticketItem));
    $("mine").replaceChildren(...mine.map(ticketItem));
    $("others").replaceChildren(...others.map(ticketItem));
    $("others-box").hidden = !SUPERVISOR;
    $("waiting-count").textContent = String(waiting.length);
  }

  async function loadDesk() {
    if (!SUPERVISOR) return;
    const r = await api("GET", "/v1/agent/desk");
    if (!r.ok) return;
    const d = r.data;
    const longest = d.longest_wait_seconds == null ? "" :
      ` · chờ lâu nhất ${Math.max(1, Math.round(d.longest_wait_seconds / 60))} phút`;
    $("desk-summary").textContent = `Đang chờ: ${d.waiting}${longest}`;
    $("desk-agents").replaceChildren(...d.agents.map((a) => el("li",
      { class: a.online ? "person online" : "person", "data-login": a.login },
      el("span", { class: "dot", "aria-hidden": "true", text: a.online ? "●" : "○" }),
      el("span", { text: ` ${a.display_name} (${a.login}) – ` +
                         `${a.online ? "trực tuyến" : "ngoại tuyến"} · ${a.load} phiếu` }))));
    $("desk-box").hidden = false;
  }
  let deskTimer = null;
  function loadDeskSoon() { clearTimeout(deskTimer); deskTimer = setTimeout(loadDesk, 300); }

  async function loadQueue() {
    const [w, c] = await Promise.all([api("GET", "/v1/agent/tickets?status=waiting"),
                                      api("GET", "/v1/agent/tickets?status=claimed")]);
    tickets.clear();
    [...(w.data || []), ...(c.data || [])].forEach((t) => tickets.set(t.id, t));
    renderQueue();
  }

  function announce() {
    unseen += 1;
    document.title = `(${unseen}) Phiếu mới – ${baseTitle}`;
    try { // a short beep; browsers may block sound until the page was clicked
      const ctx = new (window.AudioContext || window.webkitAudioContext)();
      const osc = ctx.createOscillator();
      osc.frequency.value = 880;
      osc.connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.15);
    } catch (e) { /* no sound available */ }
  }
  window.addEventListener("focus", () => { unseen = 0; document.title = baseTitle; });

  // -- live events ----------------------------------------------------------------------
  function connect() {
    const source = new EventSource("/v1/agent/events");
    source.addEventListener("open", () => {
      $("live").textContent = "Trực tuyến";
      loadQueue();
      loadDeskSoon();
      if (current) openTicket(current.id, { keepComposer: true });
    });
    source.addEventListener("error", () => { $("live").textContent = "Mất kết nối, đang kết nối lại…"; });
    source.addEventListener("ticket", (ev) => {
      const { change, ticket } = JSON.parse(ev.data);
      if (ticket.status === "closed") tickets.delete(ticket.id);
      else tickets.set(ticket.id, ticket);
      if (change === "opened") announce();
      renderQueue();
      loadDeskSoon();
      if (current && current.id === ticket.id) {
        current = ticket;
        renderControls();
        if (change === "callback") loadCallback();
      }
    });
    source.addEventListener("message", (ev) => {
      const { conversation_id: conv, message } = JSON.parse(ev.data);
      if (current && current.conversation_id === conv) {
        appendMessage(message);
        if (message.role === "citizen") loadSuggestions();
      }
    });
  }

  // -- one ticket -----------------------------------------------------------------------
  const shown = new Set();

  function appendMessage(m) {
    if (shown.has(m.id)) return;
    shown.add(m.id);
    const item = el("li", { class: `msg msg-${m.role}` },
      el("span", { class: "who", text: ROLE[m.role] || m.role }),
      el("span", { class: "text", text: m.text }));
    if (m.citation && m.citation.label) {
      const cite = el("span", { class: "citation" });
      if (m.citation.url && /^https?:\/\//.test(m.citation.url)) {
        cite.append(el("a", { href: m.citation.url, target: "_blank", rel: "noopener noreferrer",
                              text: m.citation.label }));
      } else {
        cite.textContent = m.citation.label;
      }
      item.append(cite);
    }
    $("transcript").append(item);
    item.scrollIntoView({ block: "nearest" });
  }

  function renderControls() {
    const t = current;
    const mine = t.status === "claimed" && t.agent === ME.login;
    $("talk-meta").textContent = `Phiếu #${t.id} · ${CHANNEL[t.channel] || t.channel} · ` +
      (t.status === "waiting" ? "đang chờ" : t.status === "claimed" ? `do ${t.agent} xử lý` : "đã kết thúc");
    $("claim-box").hidden = t.status !== "waiting";
    $("reply-box").hidden = !mine;
    $("takeover-box").hidden = !(SUPERVISOR && t.status === "claimed" && !mine);
    if (SUPERVISOR) {
      $("reassign-to").replaceChildren(...everyone.filter((a) => a.login !== t.agent).map((a) =>
        el("option", { value: a.login, text: `${a.display_name} (${a.login})` })));
    }
  }

  async function loadCallback() {
    const box = $("callback-box");
    box.hidden = true;
    if (!current) return;
    const r = await api("GET", `/v1/agent/tickets/${current.id}/callback`);
    if (!r.ok) return;
    $("callback-text").textContent = `Công dân đề nghị gọi lại: ${r.data.masked}`;
    $("callback-reveal").hidden = false;
    box.hidden = false;
  }

  async function revealPhone() {
    const r = await api("POST", `/v1/agent/tickets/${current.id}/callback/reveal`);
    if (!r.ok) { notice(r.status === 403 ? "Chỉ cán bộ đang xử lý phiếu hoặc tổ trưởng được xem số." : "Không mở được số điện thoại."); return; }
    $("callback-text").textContent = `Công dân đề nghị gọi lại: ${r.data.phone} (lần xem đã được ghi nhật ký)`;
    $("callback-reveal").hidden = true;
  }

  async function openTicket(id, opts) {
    const r = await api("GET", `/v1/agent/tickets/${id}/transcript`);
    if (!r.ok) { notice("Không mở được phiếu này."); return; }
    current = r.data.ticket;
    shown.clear();
    $("transcript").replaceChildren();
    r.data.messages.forEach(appendMessage);
    $("talk-empty").hidden = true;
    $("talk").hidden = false;
    if (!(opts && opts.keepComposer)) $("composer").value = "";
    renderControls();
    loadSuggestions();
    loadCallback();
  }

  async function claim(id) {
    const r = await api("POST", `/v1/agent/tickets/${id}/claim`);
    if (r.status === 409) {
      notice("Phiếu này đã được cán bộ khác nhận.");
      await loadQueue();
      return;
    }
    if (!r.ok) { notice("Không nhận được phiếu."); return; }
    tickets.set(r.data.id, r.data);
    renderQueue();
    await openTicket(r.data.id);
    $("composer").focus();
  }

  async function send() {
    const text = $("composer").value.trim();
    if (!text || !current) return;
    const r = await api("POST", `/v1/agent/tickets/${current.id}/reply`, { text });
    if (!r.ok) { notice(r.status === 403 ? "Phiếu này không còn do Anh/Chị xử lý." : "Chưa gửi được tin nhắn."); return; }
    const WINDOW = {
      closed: "Đã quá 7 ngày kể từ tin nhắn cuối của công dân trên Messenger: tin nhắn đã lưu nhưng không gửi được.",
      human_agent_tag: "Ngoài 24 giờ: tin nhắn được gửi với thẻ HUMAN_AGENT của Messenger (trong 7 ngày).",
      zalo_proactive_unconfirmed: "Ngoài 48 giờ hoặc quá 8 tin trả lời miễn phí của Zalo: tin nhắn có thể bị tính là tin chủ động (quy định chưa được xác nhận).",
    };
    if (WINDOW[r.data.window]) notice(WINDOW[r.data.window]);
    else if (!r.data.delivered) notice("Tin nhắn đã lưu nhưng chưa gửi tới được công dân.");
    $("composer").value = "";
  }

  async function close(resolution) {
    if (!current) return;
    const note = $("close-note").value.trim() || null;
    const r = await api("POST", `/v1/agent/tickets/${current.id}/close`, { resolution, note });
    if (!r.ok) { notice("Không kết thúc được phiếu."); return; }
    tickets.delete(current.id);
    current = r.data;
    $("close-note").value = "";
    renderQueue();
    renderControls();
    notice(resolution === "handed_back" ? "Đã trả cuộc trò chuyện cho trợ lý ảo." : "Đã kết thúc phiếu.");
  }

  async function transfer() {
    const to = $("transfer-to").value;
    if (!current || !to) return;
    const r = await api("POST", `/v1/agent/tickets/${current.id}/transfer`, { agent: to });
    if (!r.ok) { notice("Không chuyển được phiếu."); return; }
    current = r.data;
    tickets.set(current.id, current);
    renderQueue();
    renderControls();
    notice(`Đã chuyển phiếu cho ${to}.`);
  }

  async function reassign() {
    const to = $("reassign-to").value;
    if (!current || !to) return;
    const r = await api("POST", `/v1/agent/tickets/${current.id}/transfer`, { agent: to });
    if (!r.ok) { notice("Không giao lại được phiếu."); return; }
    current = r.data;
    tickets.set(current.id, current);
    renderQueue();
    renderControls();
    notice(`Đã giao phiếu cho ${to}.`);
  }

  async function takeover() {
    const r = await api("POST", `/v1/agent/tickets/${current.id}/takeover`);
    if (!r.ok) { notice("Không tiếp quản được phiếu."); return; }
    current = r.data;
    tickets.set(current.id, current);
    renderQueue();
    renderControls();
  }

  // -- assist ---------------------------------------------------------------------------
  function renderSuggestions(data) {
    $("assist-question").textContent = data.question ? `Câu hỏi: “${data.question}”` : "";
    const items = data.suggestions.map((s, i) => el("li", { class: "suggestion" },
      el("p", { class: "head" },
        el("strong", { text: s.procedure.name }),
        el("span", { class: "aspect", text: ` · ${ASPECT[s.aspect] || s.aspect}` }),
        el("span", { class: "confidence", text: ` · độ tin cậy ${Math.round(s.confidence * 100)}%` })),
      el("p", { class: "body", text: s.text }),
      el("button", { type: "button", class: "use", text: "Dùng gợi ý này",
                     "aria-label": `Dùng gợi ý ${i + 1}: ${s.procedure.name}`,
                     onclick: () => useSuggestion(s) })));
    if (!items.length) items.push(el("li", { class: "muted", text: "Chưa có gợi ý phù hợp." }));
    $("suggestions").replaceChildren(...items);
  }

  function useSuggestion(s) {
    if ($("reply-box").hidden) { notice("Nhận phiếu trước khi trả lời."); return; }
    $("composer").value = s.text;
    $("composer").focus();
  }

  async function loadSuggestions() {
    if (!current) return;
    const r = await api("GET", `/v1/agent/tickets/${current.id}/suggestions`);
    if (r.ok) renderSuggestions(r.data);
  }

  async function search(ev) {
    ev.preventDefault();
    const q = $("search").value.trim();
    if (!q) return;
    const r = await api("GET", `/v1/agent/suggestions?q=${encodeURIComponent(q)}`);
    if (r.ok) renderSuggestions(r.data);
  }

  async function lookupDossier(ev) {
    ev.preventDefault();
    const code = $("dossier-code").value.trim();
    if (!code) return;
    const r = await api("POST", "/v1/dossiers/agent-lookup", { code });
    $("dossier-result").textContent = r.ok ? r.data.text
      : ((r.data && r.data.error && (r.data.error.text || r.data.error.message)) || "Không tra cứu được.");
  }

  async function loadStatic() {
    const [tpl, people] = await Promise.all([api("GET", "/v1/agent/templates"),
                                             api("GET", "/v1/agent/agents")]);
    (tpl.data || []).forEach((t) => $("template").append(el("option", { value: t.text, text: t.title })));
    everyone = people.data || [];
    agents = everyone.filter((a) => a.login !== ME.login);
    $("transfer-to").replaceChildren(...agents.map((a) =>
      el("option", { value: a.login, text: `${a.display_name} (${a.login})` })));
  }

  $("template").addEventListener("change", (ev) => {
    if (ev.target.value) {
      const box = $("composer");
      box.value = box.value ? `${box.value}\n${ev.target.value}` : ev.target.value;
      ev.target.value = "";
      box.focus();
    }
  });
  $("send").addEventListener("click", send);
  $("composer").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); send(); }
  });
  $("claim").addEventListener("click", () => current && claim(current.id));
  $("close").addEventListener("click", () => close($("resolution").value));
  $("handback").addEventListener("click", () => close("handed_back"));
  $("transfer").addEventListener("click", transfer);
  $("takeover").addEventListener("click", takeover);
  $("reassign").addEventListener("click", reassign);
  $("callback-reveal").addEventListener("click", revealPhone);
  $("search-form").addEventListener("submit", search);
  $("dossier-form").addEventListener("submit", lookupDossier);
  setInterval(() => { renderQueue(); loadDesk(); }, 30000); // waiting times

  loadStatic();
  connect();
})();
