/*
 * TTHC assistant chat widget. Add one tag to any page:
 *   <script src="https://api.example/static/widget.js" data-api="https://api.example"
 *           data-title="Trợ lý ảo thủ tục hành chính"></script>
 * The session id lives in localStorage, so a reload keeps the conversation (history is fetched
 * from the API). After a handoff, agent messages arrive over Server-Sent Events.
 */
(function () {
  "use strict";
  if (window.__tthcWidget) return;
  window.__tthcWidget = true;

  var script = document.currentScript || document.querySelector("script[src*='widget.js']");
  var scriptUrl = new URL(script.src, location.href);
  var API = (script.getAttribute("data-api") || scriptUrl.origin).replace(/\/+$/, "");
  var TITLE = script.getAttribute("data-title") || "Trợ lý ảo thủ tục hành chính";
  var HOTLINE = script.getAttribute("data-hotline") || "1022";
  var KEY = "tthc-session-id";
  var OPEN_KEY = "tthc-open";

  var T = {
    open: "Mở trò chuyện với " + TITLE,
    close: "Đóng cửa sổ trò chuyện",
    input: "Nhập câu hỏi của Anh/Chị",
    placeholder: "Ví dụ: Làm giấy khai sinh cần gì?",
    send: "Gửi",
    typing: "Trợ lý đang trả lời…",
    welcome: "Xin chào Anh/Chị! Tôi có thể hướng dẫn về giấy tờ, thời hạn, lệ phí và nơi nộp " +
      "hồ sơ thủ tục hành chính. Anh/Chị cần hỏi gì?",
    privacy: "Vui lòng không nhập số CCCD, số điện thoại hay thông tin cá nhân khác.",
    failed: "Không gửi được tin nhắn. Anh/Chị vui lòng thử lại hoặc gọi tổng đài " + HOTLINE + ".",
    waiting: "Đang chờ cán bộ hỗ trợ. Tin nhắn của Anh/Chị sẽ được chuyển đến cán bộ.",
    agent: "Anh/Chị đang trò chuyện với cán bộ hỗ trợ.",
    reconnecting: "Mất kết nối, đang kết nối lại…",
    you: "Anh/Chị",
    bot: "Trợ lý",
    staff: "Cán bộ",
    system: "Thông báo",
    source: "Xem nguồn",
    phone: "Số điện thoại để cán bộ gọi lại",
    callback: "Đề nghị gọi lại"
  };

  // 128 random bits as 32 hex digits. crypto.getRandomValues works on plain HTTP too (unlike
  // randomUUID, which has 122 random bits anyway); Math.random is never used: a guessable id
  // would open someone else's conversation.
  function newId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += (bytes[i] + 256).toString(16).slice(1);
    return s;
  }
  function sessionId() {
    var id = null;
    try { id = localStorage.getItem(KEY); } catch (e) { /* private mode */ }
    if (!id || !/^[A-Za-z0-9_-]{22,64}$/.test(id)) {
      id = newId();
      try { localStorage.setItem(KEY, id); } catch (e) { /* ignore */ }
    }
    return id;
  }
  var SID = sessionId();
  var lastId = 0;
  var state = "bot";
  var source = null;
  var retryDelay = 1000;
  var retryTimer = null;
  var pending = false;

  // -- styles --------------------------------------------------------------------------------
  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = new URL("widget.css", scriptUrl).href;
  document.head.appendChild(css);

  // -- DOM -----------------------------------------------------------------------------------
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
    if (text != null) node.textContent = text;
    return node;
  }
  var root = el("div", { id: "tthc-widget", lang: "vi" });
  var bubble = el("button", { type: "button", "class": "tthc-bubble", "aria-label": T.open,
    "aria-expanded": "false", "aria-controls": "tthc-panel" });
  bubble.innerHTML = '<svg aria-hidden="true" viewBox="0 0 24 24" width="28" height="28">' +
    '<path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>';
  var panel = el("section", { id: "tthc-panel", "class": "tthc-panel", role: "dialog",
    "aria-labelledby": "tthc-title", hidden: "" });
  var header = el("header", { "class": "tthc-header" });
  var title = el("h2", { id: "tthc-title" }, TITLE);
  var closeBtn = el("button", { type: "button", "class": "tthc-close", "aria-label": T.close }, "×");
  header.appendChild(title);
  header.appendChild(closeBtn);
  var banner = el("div", { "class": "tthc-banner", role: "status", hidden: "" });
  var log = el("div", { "class": "tthc-log", role: "log", "aria-live": "polite",
    "aria-relevant": "additions", "aria-label": "Nội dung trò chuyện", tabindex: "0" });
  var typing = el("div", { "class": "tthc-typing", role: "status", hidden: "" });
  typing.appendChild(el("span", { "class": "tthc-dots", "aria-hidden": "true" }, "• • •"));
  typing.appendChild(el("span", { "class": "tthc-sr" }, T.typing));
  var form = el("form", { "class": "tthc-form" });
  var label = el("label", { "for": "tthc-input", "class": "tthc-sr" }, T.input);
  var input = el("input", { id: "tthc-input", type: "text", autocomplete: "off",
    maxlength: "2000", placeholder: T.placeholder, "aria-describedby": "tthc-privacy" });
  var sendBtn = el("button", { type: "submit", "class": "tthc-send" }, T.send);
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(sendBtn);
  var privacy = el("p", { id: "tthc-privacy", "class": "tthc-privacy" }, T.privacy);
  // outside office hours: leave a phone number for a call-back (only while waiting)
  var callback = el("form", { "class": "tthc-callback", hidden: "" });
  var callbackText = el("p", { "class": "tthc-callback-text" });
  var phoneLabel = el("label", { "for": "tthc-phone" }, T.phone);
  var phone = el("input", { id: "tthc-phone", type: "tel", autocomplete: "tel",
    inputmode: "tel", maxlength: "20", placeholder: "0912 345 678" });
  var callbackBtn = el("button", { type: "submit", "class": "tthc-send" }, T.callback);
  var callbackError = el("p", { "class": "tthc-callback-error", role: "alert" });
  [callbackText, phoneLabel, phone, callbackBtn, callbackError].forEach(function (n) {
    callback.appendChild(n);
  });
  [header, banner, callback, log, typing, form, privacy].forEach(function (n) {
    panel.appendChild(n);
  });
  root.appendChild(panel);
  root.appendChild(bubble);

  // -- rendering -----------------------------------------------------------------------------
  var URL_RE = /(https?:\/\/[^\s<>"')]+|tel:\+?\d+)/g;
  function linkify(parent, text) {
    var last = 0, m;
    URL_RE.lastIndex = 0;
    while ((m = URL_RE.exec(text)) !== null) {
      if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      var a = el("a", { href: m[0], target: "_blank", rel: "noopener noreferrer" }, m[0]);
      parent.appendChild(a);
      last = m.index + m[0].length;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }
  var SAFE_URL = /^(https?:\/\/|tel:\+?[\d.\- ]+$)/i;
  function whoLabel(role) {
    return { citizen: T.you, bot: T.bot, agent: T.staff, system: T.system }[role] || T.bot;
  }
  function render(msg) {
    if (msg.id) {
      if (log.querySelector('[data-id="' + msg.id + '"]')) return;
      lastId = Math.max(lastId, msg.id);
    }
    var item = el("div", { "class": "tthc-msg tthc-" + (msg.role || "bot") });
    if (msg.id) item.setAttribute("data-id", String(msg.id));
    item.appendChild(el("span", { "class": "tthc-sr" }, whoLabel(msg.role) + ": "));
    var text = msg.text || "";
    var cit = msg.citation;
    if (cit && cit.label && text.slice(-cit.label.length) === cit.label) {
      text = text.slice(0, -cit.label.length).replace(/\s+$/, "");
    }
    var body = el("div", { "class": "tthc-text" });
    linkify(body, text);
    item.appendChild(body);
    if (cit && cit.label) {
      var c = el("div", { "class": "tthc-citation" });
      if (cit.url && SAFE_URL.test(cit.url)) {
        var a = el("a", { href: cit.url, target: "_blank", rel: "noopener noreferrer" }, cit.label);
        a.setAttribute("aria-label", cit.label + " (" + T.source + ", mở trong thẻ mới)");
        c.appendChild(a);
      } else {
        c.textContent = cit.label;
      }
      item.appendChild(c);
    }
    var buttons = msg.buttons || [];
    if (buttons.length) {
      var group = el("div", { "class": "tthc-buttons", role: "group",
        "aria-label": "Gợi ý câu hỏi" });
      buttons.forEach(function (b) {
        if (b.url && SAFE_URL.test(b.url)) {
          group.appendChild(el("a", { "class": "tthc-chip", href: b.url,
            rel: "noopener noreferrer" }, b.title));
        } else if (b.payload && !b.url) {
          var btn = el("button", { type: "button", "class": "tthc-chip" }, b.title);
          btn.addEventListener("click", function () { send(b.title, b.payload); });
          group.appendChild(btn);
        }
      });
      item.appendChild(group);
    }
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  function setState(next) {
    var was = state;
    state = next || "bot";
    if (state === "waiting_agent" || state === "agent") {
      banner.textContent = state === "agent" ? T.agent : T.waiting;
      banner.hidden = false;
      listen();
    } else {
      banner.hidden = true;
      stopListening();
    }
    if (state !== "waiting_agent") callback.hidden = true;
    else if (was !== "waiting_agent") offerCallback();
  }
  function offerCallback() {
    fetch(API + "/v1/chat/web/" + SID + "/callback").then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (data) {
      if (!data || !data.offered || state !== "waiting_agent") return;
      callbackText.textContent = data.text;
      callbackError.textContent = "";
      callback.hidden = false;
    }).catch(function () { /* no offer when offline */ });
  }
  callback.addEventListener("submit", function (ev) {
    ev.preventDefault();
    callbackBtn.disabled = true;
    post("/v1/chat/web/" + SID + "/callback", { phone: phone.value }).then(function (res) {
      if (res.status === 200) {
        phone.value = "";
        callback.hidden = true;
        render(res.data.message);
      } else {
        callbackError.textContent = (res.data && res.data.error && res.data.error.text) || T.failed;
      }
    }).catch(function () {
      callbackError.textContent = T.failed;
    }).then(function () { callbackBtn.disabled = false; });
  });

  // -- network -------------------------------------------------------------------------------
  function post(path, body) {
    return fetch(API + path, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body) }).then(function (r) {
      return r.json().then(function (data) { return { status: r.status, data: data }; });
    });
  }
  function send(text, payload) {
    text = (text || "").trim();
    if ((!text && !payload) || pending) return;
    pending = true;
    sendBtn.disabled = true;
    render({ role: "citizen", text: text });
    typing.hidden = false;
    var body = { session_id: SID, text: text };
    if (payload) body.payload = payload;
    post("/v1/chat/web", body).then(function (res) {
      var msgs = (res.data && res.data.messages) || [];
      if (!msgs.length && res.status >= 400) msgs = [{ role: "system", text: T.failed }];
      msgs.forEach(function (m) { if (m.role !== "citizen") render(m); });
      if (res.data && res.data.state) setState(res.data.state);
    }).catch(function () {
      render({ role: "system", text: T.failed });
    }).then(function () {
      pending = false;
      sendBtn.disabled = false;
      typing.hidden = true;
    });
  }
  function loadHistory() {
    return fetch(API + "/v1/chat/web/" + SID + "/history").then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (data) {
      if (!data) return;
      data.messages.forEach(render);
      setState(data.state);
    }).catch(function () { /* offline: the welcome text stays */ });
  }
  function stopListening() {
    if (source) { source.close(); source = null; }
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
  }
  function listen() {
    if (source || !window.EventSource) return;
    source = new EventSource(API + "/v1/chat/web/" + SID + "/events?after=" + lastId);
    source.addEventListener("message", function (ev) {
      retryDelay = 1000;
      try { render(JSON.parse(ev.data)); } catch (e) { /* ignore a broken event */ }
    });
    source.addEventListener("state", function (ev) {
      retryDelay = 1000;
      try { setState(JSON.parse(ev.data).state); } catch (e) { /* ignore */ }
    });
    source.addEventListener("open", function () {
      if (state !== "bot") banner.textContent = state === "agent" ? T.agent : T.waiting;
    });
    source.addEventListener("error", function () {
      if (!source) return;
      banner.textContent = T.reconnecting;  // the browser retries by itself while CONNECTING
      if (source.readyState === EventSource.CLOSED) {  // it gave up: retry with back-off
        source = null;
        retryTimer = setTimeout(function () { retryTimer = null; listen(); }, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 30000);
      }
    });
  }
  window.addEventListener("online", function () {
    if (state !== "bot") { stopListening(); listen(); }
  });

  // -- open / close --------------------------------------------------------------------------
  var loaded = false;
  function open(moveFocus) {
    panel.hidden = false;
    bubble.setAttribute("aria-expanded", "true");
    root.classList.add("tthc-is-open");
    try { sessionStorage.setItem(OPEN_KEY, "1"); } catch (e) { /* ignore */ }
    if (!loaded) {
      loaded = true;
      render({ role: "bot", text: T.welcome });
      loadHistory();
    }
    if (moveFocus !== false) input.focus();  // not when re-opened by a page reload
  }
  function close() {
    panel.hidden = true;
    bubble.setAttribute("aria-expanded", "false");
    root.classList.remove("tthc-is-open");
    try { sessionStorage.removeItem(OPEN_KEY); } catch (e) { /* ignore */ }
    bubble.focus();
  }
  bubble.addEventListener("click", function () { panel.hidden ? open(true) : close(); });
  closeBtn.addEventListener("click", close);
  panel.addEventListener("keydown", function (ev) { if (ev.key === "Escape") close(); });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value;
    input.value = "";
    send(text);
    input.focus();
  });

  function mount() {
    document.body.appendChild(root);
    var wasOpen = false;
    try { wasOpen = sessionStorage.getItem(OPEN_KEY) === "1"; } catch (e) { /* ignore */ }
    if (wasOpen) open(false);
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
