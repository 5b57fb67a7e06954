// The emulator's browser chat: act as one of the emulated people. Plain DOM, no innerHTML.
"use strict";

const $ = (id) => document.getElementById(id);
const COLORS = ["#e17076", "#faa774", "#a695e7", "#7bc862", "#6ec9cb", "#65aadd", "#ee7aae"];
const SAFE_SCHEMES = ["http:", "https:", "mailto:", "tel:", "tg:"];

const state = {
  me: null,
  users: [],
  bots: [],
  chats: new Map(), // key -> chat entry
  current: null,
  messages: new Map(), // message_id -> message, for the open chat
  loading: false,
  pending: [],
  source: null,
  commands: [],
  hiddenKeyboards: new Set(),
  keyboardOpen: true,
  keyboardFrom: null,
  typingTimer: null,
  chatsTimer: null,
};

// ---- helpers -------------------------------------------------------------------------------

async function api(verb, path, body) {
  const options = { method: verb, headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch("/_emulator" + path, options);
  const data = await response.json();
  if (!data.ok) throw new Error(data.description || "request failed");
  return data.result;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function fullName(user) {
  return [user.first_name, user.last_name].filter(Boolean).join(" ");
}

function colorFor(id) {
  return COLORS[Math.abs(Number(id)) % COLORS.length];
}

function fillAvatar(node, name, id) {
  const initials = (name || "?").split(/\s+/).filter(Boolean).slice(0, 2)
    .map((word) => Array.from(word)[0].toUpperCase()).join("");
  node.textContent = initials || "?";
  node.style.background = colorFor(id);
}

function avatar(name, id, extra) {
  const node = el("span", "avatar" + (extra ? " " + extra : ""));
  fillAvatar(node, name, id);
  return node;
}

function clock(unix) {
  const date = new Date(unix * 1000);
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function day(unix) {
  const date = new Date(unix * 1000);
  return date.toLocaleDateString([], { day: "numeric", month: "long", year: "numeric" });
}

function fileSize(bytes) {
  if (bytes === undefined) return "";
  if (bytes < 1024) return bytes + " B";
  if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + " KB";
  return (bytes / 1024 / 1024).toFixed(1) + " MB";
}

function safeUrl(url) {
  try {
    const parsed = new URL(url, location.href);
    return SAFE_SCHEMES.includes(parsed.protocol) ? parsed.href : null;
  } catch {
    return null;
  }
}

function toast(text, kind) {
  const node = el("div", "toast" + (kind ? " " + kind : ""), text);
  $("toasts").append(node);
  setTimeout(() => node.classList.add("leaving"), 2600);
  setTimeout(() => node.remove(), 3000);
}

function showAlert(text) {
  $("alert-text").textContent = text;
  $("alert").hidden = false;
  $("alert-ok").focus();
}

function fail(error) {
  toast(error.message || String(error), "error");
}

// ---- formatting: entities to DOM nodes -----------------------------------------------------

function formatted(text, entities) {
  const fragment = document.createDocumentFragment();
  const sorted = (entities || [])
    .filter((e) => e.length > 0 && e.offset >= 0 && e.offset < text.length)
    .map((e) => ({ ...e, end: Math.min(e.offset + e.length, text.length) }))
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  build(fragment, text, 0, text.length, sorted);
  return fragment;
}

function build(parent, text, start, end, entities) {
  let pos = start;
  let i = 0;
  while (i < entities.length) {
    const entity = entities[i];
    if (entity.offset < pos) { i++; continue; } // overlaps a sibling: Telegram never sends this
    if (entity.offset > pos) parent.append(text.slice(pos, entity.offset));
    const stop = Math.min(entity.end, end);
    const inner = [];
    let j = i + 1;
    while (j < entities.length && entities[j].offset < stop) inner.push(entities[j++]);
    const [outer, target] = entityNode(entity, text.slice(entity.offset, stop));
    build(target, text, entity.offset, stop, inner);
    parent.append(outer);
    pos = stop;
    i = j;
  }
  if (pos < end) parent.append(text.slice(pos, end));
}

function link(href, className) {
  const node = el(href ? "a" : "span", className || "link");
  if (href) {
    node.href = href;
    node.target = "_blank";
    node.rel = "noopener noreferrer";
  }
  return node;
}

function entityNode(entity, covered) {
  const simple = {
    bold: "strong", italic: "em", underline: "u", strikethrough: "s", code: "code",
    blockquote: "blockquote", expandable_blockquote: "blockquote",
  };
  if (simple[entity.type]) {
    const node = el(simple[entity.type]);
    return [node, node];
  }
  switch (entity.type) {
    case "pre": {
      const pre = el("pre");
      const code = el("code");
      if (entity.language) code.dataset.language = entity.language;
      pre.append(code);
      return [pre, code];
    }
    case "spoiler": {
      const node = el("span", "spoiler");
      node.addEventListener("click", () => node.classList.add("revealed"));
      return [node, node];
    }
    case "text_link": {
      const node = link(safeUrl(entity.url));
      node.title = entity.url;
      return [node, node];
    }
    case "url": {
      const node = link(safeUrl(/^[a-z][a-z0-9+.-]*:/i.test(covered) ? covered : "http://" + covered));
      return [node, node];
    }
    case "email":
      return twice(link(safeUrl("mailto:" + covered)));
    case "phone_number":
      return twice(link(safeUrl("tel:" + covered.replace(/[^0-9+]/g, ""))));
    case "bot_command": {
      const node = el("a", "link command");
      node.href = "#";
      node.addEventListener("click", (event) => {
        event.preventDefault();
        sendText(covered).catch(fail);
      });
      return [node, node];
    }
    case "text_mention": {
      const node = el("span", "link");
      if (entity.user) node.title = fullName(entity.user);
      return [node, node];
    }
    case "mention": case "hashtag": case "cashtag":
      return twice(el("span", "link"));
    default:
      return twice(el("span"));
  }
}

function twice(node) {
  return [node, node];
}

// ---- what a message shows ------------------------------------------------------------------

function serviceText(m) {
  const who = m.from ? fullName(m.from) : "";
  if (m.new_chat_members) {
    const names = m.new_chat_members.map(fullName).join(", ");
    const self = m.new_chat_members.some((u) => m.from && u.id === m.from.id);
    return self ? `${names} joined the group` : `${who} added ${names}`;
  }
  if (m.left_chat_member) {
    const gone = fullName(m.left_chat_member);
    return m.from && m.from.id === m.left_chat_member.id ? `${gone} left the group`
      : `${who} removed ${gone}`;
  }
  if (m.pinned_message) return `${who} pinned “${preview(m.pinned_message, 40)}”`;
  if (m.migrate_to_chat_id) return "The group was upgraded to a supergroup";
  if (m.migrate_from_chat_id) return "Upgraded from a basic group";
  if (m.forum_topic_created) return `Topic “${m.forum_topic_created.name}” created`;
  if (m.group_chat_created) return `${who} created the group`;
  return null;
}

function preview(m, limit) {
  let text = m.text || m.caption;
  if (!text) {
    if (m.document) text = "File: " + (m.document.file_name || "document");
    else if (m.photo) text = "Photo";
    else if (m.poll) text = "Poll: " + m.poll.question;
    else text = serviceText(m) || "Message";
  }
  text = text.replace(/\s+/g, " ");
  return limit && text.length > limit ? text.slice(0, limit - 1) + "…" : text;
}

function isOwn(m) {
  return state.me && m.from && m.from.id === state.me.id;
}

function renderMessage(m) {
  const service = serviceText(m);
  if (service && !m.text && !m.caption) {
    const row = el("div", "service");
    row.dataset.id = m.message_id;
    row.append(el("span", "pill", service));
    return row;
  }
  const own = isOwn(m);
  const row = el("div", "row " + (own ? "own" : "their"));
  row.dataset.id = m.message_id;
  const column = el("div", "message");
  const bubble = el("div", "bubble");
  const group = m.chat && m.chat.type !== "private";
  if (group && !own && m.from) {
    const sender = el("div", "sender", fullName(m.from));
    sender.style.color = colorFor(m.from.id);
    bubble.append(sender);
  }
  if (m.forward_origin) {
    const origin = m.forward_origin;
    const name = origin.sender_user ? fullName(origin.sender_user)
      : origin.sender_user_name || (origin.chat && origin.chat.title) || "";
    bubble.append(el("div", "forwarded", "Forwarded from " + name));
  }
  if (m.reply_to_message) {
    const quote = el("div", "quote");
    const replied = m.reply_to_message;
    if (replied.from) quote.append(el("div", "quote-name", fullName(replied.from)));
    quote.append(el("div", "quote-text", preview(replied, 80)));
    quote.addEventListener("click", () => flash(replied.message_id));
    bubble.append(quote);
  }
  if (m.photo && m.photo.length) {
    const largest = m.photo[m.photo.length - 1];
    const image = el("img", "photo");
    image.alt = m.caption || "Photo";
    if (largest.width && largest.height) {
      image.width = largest.width;
      image.height = largest.height;
    }
    image.src = "/_emulator/files/" + encodeURIComponent(largest.file_id);
    image.addEventListener("load", () => keepBottom());
    bubble.append(image);
    bubble.classList.add("has-photo");
  }
  if (m.document) bubble.append(renderDocument(m.document));
  if (m.poll) bubble.append(renderPoll(m));
  const text = m.text !== undefined ? m.text : m.caption;
  const entities = m.text !== undefined ? m.entities : m.caption_entities;
  const meta = el("span", "meta", (m.edit_date ? "edited " : "") + clock(m.date));
  if (m.pinned) meta.prepend(pinMark());
  if (text) {
    const body = el("div", "text");
    body.append(formatted(text, entities), meta);
    bubble.append(body);
  } else {
    bubble.append(meta);
    if (m.photo) meta.classList.add("on-photo");
  }
  column.append(bubble);
  const keyboard = m.reply_markup && m.reply_markup.inline_keyboard;
  if (keyboard && keyboard.length) {
    column.classList.add("with-keyboard");
    column.append(renderInlineKeyboard(m, keyboard));
  }
  row.append(column);
  return row;
}

function pinMark() {
  const mark = el("span", "pin-mark");
  mark.title = "Pinned";
  mark.append(svgIcon("M16 9V4h1a1 1 0 0 0 0-2H7a1 1 0 0 0 0 2h1v5a3 3 0 0 1-3 3v2h6v7l1 1 1-1v-7h6v-2a3 3 0 0 1-3-3z"));
  return mark;
}

function renderDocument(document_) {
  const href = "/_emulator/files/" + encodeURIComponent(document_.file_id);
  const node = el("a", "document");
  node.href = href;
  node.download = document_.file_name || "file";
  const icon = el("span", "doc-icon");
  icon.append(svgIcon("M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8zm-1 7V3.5L18.5 9z"));
  const info = el("span", "doc-info");
  info.append(el("span", "doc-name", document_.file_name || "File"),
    el("span", "doc-size", fileSize(document_.file_size)));
  node.append(icon, info);
  return node;
}

function svgIcon(path) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const shape = document.createElementNS(ns, "path");
  shape.setAttribute("d", path);
  svg.append(shape);
  return svg;
}

function renderPoll(m) {
  const poll = m.poll;
  const node = el("div", "poll");
  const question = el("div", "poll-question");
  question.append(formatted(poll.question, poll.question_entities));
  const noun = poll.type === "quiz" ? "quiz" : "poll";
  const kind = poll.is_anonymous ? "Anonymous " + noun : noun[0].toUpperCase() + noun.slice(1);
  node.append(question, el("div", "poll-kind", poll.is_closed ? "Final results" : kind));
  const total = poll.total_voter_count || 0;
  const chosen = new Set();
  const vote = el("button", "poll-vote", "Vote");
  vote.type = "button";
  vote.hidden = true;
  poll.options.forEach((option, index) => {
    const button = el("button", "poll-option");
    button.type = "button";
    button.disabled = poll.is_closed;
    const share = total ? Math.round((100 * (option.voter_count || 0)) / total) : 0;
    const bar = el("span", "poll-bar");
    bar.style.width = share + "%";
    const label = el("span", "poll-text");
    label.append(formatted(option.text, option.text_entities));
    button.append(bar, el("span", "poll-share", share + "%"), label);
    button.addEventListener("click", () => {
      if (!poll.allows_multiple_answers) {
        answerPoll(poll, [index]);
        return;
      }
      if (chosen.has(index)) chosen.delete(index); else chosen.add(index);
      button.classList.toggle("chosen", chosen.has(index));
      vote.hidden = chosen.size === 0;
    });
    node.append(button);
  });
  vote.addEventListener("click", () => answerPoll(poll, [...chosen].sort()));
  const votes = el("div", "poll-total", total === 1 ? "1 vote" : `${total} votes`);
  node.append(vote, votes);
  return node;
}

function renderInlineKeyboard(m, rows) {
  const keyboard = el("div", "inline-keyboard");
  for (const row of rows) {
    const line = el("div", "keyboard-row");
    for (const button of row) {
      const node = el("button", "inline-button", button.text);
      node.type = "button";
      if (button.url) node.classList.add("url");
      node.addEventListener("click", () => pressInline(m, button, node));
      line.append(node);
    }
    keyboard.append(line);
  }
  return keyboard;
}

// ---- people's actions ----------------------------------------------------------------------

function chatBody() {
  const chat = state.current;
  return chat.type === "private" ? { bot_id: chat.bot_id } : { chat_id: chat.id };
}

async function sendText(text) {
  if (!state.current || !text.trim()) return;
  const message = await api("POST", `/users/${state.me.id}/send`, { ...chatBody(), text });
  markStarted();
  upsert(message, true);
}

function markStarted() {
  if (state.current && !state.current.started) {
    state.current.started = true;
    updateEmpty();
  }
}

async function pressInline(m, button, node) {
  if (button.callback_data !== undefined) {
    node.classList.add("pending");
    try {
      const body = { ...chatBody(), message_id: m.message_id, data: button.callback_data };
      const answer = await api("POST", `/users/${state.me.id}/press`, { ...body, timeout: 15 });
      if (answer.text) {
        if (answer.show_alert) showAlert(answer.text); else toast(answer.text);
      }
      if (answer.url) toast(answer.url);
    } catch (error) {
      fail(error);
    } finally {
      node.classList.remove("pending");
    }
  } else if (button.url) {
    const href = safeUrl(button.url);
    if (href) window.open(href, "_blank", "noopener,noreferrer");
    else toast("Link: " + button.url);
  } else if (button.copy_text) {
    navigator.clipboard?.writeText(button.copy_text.text).catch(() => {});
    toast("Copied");
  } else {
    toast("This kind of button is not emulated");
  }
}

async function answerPoll(poll, optionIds) {
  try {
    await api("POST", `/users/${state.me.id}/answer_poll`,
      { poll_id: poll.id, option_ids: optionIds });
  } catch (error) {
    fail(error);
  }
}

async function sendFile(file) {
  const data = await new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",", 2)[1] || "");
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
  const caption = $("text").value.trim();
  const body = { ...chatBody(), data_base64: data };
  if (caption) body.caption = caption;
  let message;
  if (/^image\/(jpeg|png|gif|webp)$/.test(file.type)) {
    message = await api("POST", `/users/${state.me.id}/send_photo`, body);
  } else {
    body.file_name = file.name;
    if (file.type) body.mime_type = file.type;
    message = await api("POST", `/users/${state.me.id}/send_document`, body);
  }
  if (caption) setComposer("");
  markStarted();
  upsert(message, true);
}

// ---- the open chat -------------------------------------------------------------------------

function nearBottom() {
  const box = $("messages");
  return box.scrollHeight - box.scrollTop - box.clientHeight < 120;
}

function scrollToBottom() {
  const box = $("messages");
  box.scrollTop = box.scrollHeight;
}

let stickToBottom = true;
function keepBottom() {
  if (stickToBottom) scrollToBottom();
}

function flash(messageId) {
  const node = $("messages").querySelector(`[data-id="${Number(messageId)}"]`);
  if (!node) return;
  node.scrollIntoView({ block: "center", behavior: "smooth" });
  node.classList.add("flash");
  setTimeout(() => node.classList.remove("flash"), 1200);
}

function upsert(m, mine) {
  if (!state.current) return;
  const stick = mine || nearBottom();
  const existing = state.messages.has(m.message_id);
  state.messages.set(m.message_id, m);
  const box = $("messages");
  const node = renderMessage(m);
  const old = box.querySelector(`[data-id="${Number(m.message_id)}"]`);
  if (old) {
    old.replaceWith(node);
  } else {
    const later = [...box.querySelectorAll("[data-id]")]
      .find((other) => Number(other.dataset.id) > m.message_id);
    if (later) {
      box.insertBefore(node, later);
    } else {
      const last = [...state.messages.values()].filter((x) => x.message_id < m.message_id).pop();
      if (!last || day(last.date) !== day(m.date)) box.append(dateLine(m.date));
      box.append(node);
    }
  }
  if (!existing) touchChat(state.current, m, false);
  refreshChrome();
  if (stick) {
    stickToBottom = true;
    scrollToBottom();
  }
}

function dateLine(unix) {
  const row = el("div", "service date");
  row.append(el("span", "pill", day(unix)));
  return row;
}

function removeMessage(messageId) {
  state.messages.delete(messageId);
  const node = $("messages").querySelector(`[data-id="${Number(messageId)}"]`);
  if (node) node.remove();
  refreshChrome();
}

function setPinned(messageId, pinned) {
  const m = state.messages.get(messageId);
  if (m) upsert({ ...m, pinned });
}

function renderAll(history) {
  const box = $("messages");
  box.replaceChildren();
  state.messages.clear();
  let lastDay = null;
  for (const m of history) {
    if (day(m.date) !== lastDay) {
      lastDay = day(m.date);
      box.append(dateLine(m.date));
    }
    state.messages.set(m.message_id, m);
    box.append(renderMessage(m));
  }
  refreshChrome();
  stickToBottom = true;
  scrollToBottom();
}

function refreshChrome() {
  updatePinned();
  updateReplyKeyboard();
  updateEmpty();
}

function updatePinned() {
  const pinned = [...state.messages.values()].filter((m) => m.pinned).pop();
  $("pinned").hidden = !pinned;
  if (pinned) {
    $("pinned-text").textContent = preview(pinned, 120);
    $("pinned").dataset.id = pinned.message_id;
  }
}

function currentReplyKeyboard() {
  const withKeyboard = [...state.messages.values()].filter((m) => m.reply_keyboard).pop();
  if (!withKeyboard) return null;
  const markup = withKeyboard.reply_keyboard;
  if (!markup.keyboard || state.hiddenKeyboards.has(withKeyboard.message_id)) {
    return { markup, keyboard: null };
  }
  return { markup, keyboard: markup.keyboard, messageId: withKeyboard.message_id };
}

function updateReplyKeyboard() {
  const holder = $("reply-keyboard");
  const found = currentReplyKeyboard();
  const keyboard = found && found.keyboard;
  if (keyboard && found.messageId !== state.keyboardFrom) {
    state.keyboardFrom = found.messageId;
    state.keyboardOpen = true; // a new keyboard shows itself, as in Telegram's apps
  }
  $("text").placeholder = (found && found.markup.input_field_placeholder) || "Message";
  $("keyboard-toggle").hidden = !keyboard;
  holder.hidden = !keyboard || !state.keyboardOpen;
  holder.replaceChildren();
  if (!keyboard) return;
  for (const row of keyboard) {
    const line = el("div", "keyboard-row");
    for (const button of row) {
      const spec = typeof button === "string" ? { text: button } : button;
      const node = el("button", "reply-button", spec.text);
      node.type = "button";
      node.addEventListener("click", () => {
        const special = Object.keys(spec).find((key) => key.startsWith("request_"));
        if (special) {
          toast("This kind of button is not emulated");
          return;
        }
        if (found.markup.one_time_keyboard) state.hiddenKeyboards.add(found.messageId);
        sendText(spec.text).catch(fail);
      });
      line.append(node);
    }
    holder.append(line);
  }
}

function updateEmpty() {
  const chat = state.current;
  const box = $("messages");
  const old = box.querySelector(".start-card");
  if (old) old.remove();
  if (!chat || chat.type !== "private" || state.messages.size) return;
  const card = el("div", "start-card");
  card.append(el("div", "start-title", chat.title),
    el("div", "start-hint", "No messages here yet."));
  const start = el("button", "start-button", "Start");
  start.type = "button";
  start.addEventListener("click", () => sendText("/start").catch(fail));
  card.append(start);
  box.append(card);
}

async function openChat(key) {
  const chat = state.chats.get(key);
  if (!chat) {
    closeChat();
    return;
  }
  state.current = chat;
  chat.unread = 0;
  renderChatList();
  $("app").classList.remove("no-chat");
  $("app").classList.add("in-chat");
  fillAvatar($("chat-avatar"), chat.title, chat.type === "private" ? chat.bot_id : chat.id);
  $("chat-name").textContent = chat.title;
  setStatus();
  $("commands").hidden = true;
  $("messages").replaceChildren();
  state.messages.clear();
  state.loading = true;
  state.pending = [];
  const query = chat.type === "private" ? `bot_id=${chat.bot_id}` : `chat_id=${chat.id}`;
  try {
    const [history, commands] = await Promise.all([
      api("GET", `/users/${state.me.id}/history?${query}`),
      api("GET", `/users/${state.me.id}/commands?${query}`).catch(() => []),
    ]);
    if (state.current !== chat) return;
    state.commands = commands;
    $("menu").hidden = !commands.length;
    renderAll(history);
  } catch (error) {
    fail(error);
  } finally {
    if (state.current === chat) {
      state.loading = false;
      for (const [kind, data] of state.pending.splice(0)) applyToOpenChat(kind, data);
    }
  }
  if (window.matchMedia("(min-width: 760px)").matches) $("text").focus();
}

function closeChat() {
  state.current = null;
  state.messages.clear();
  $("messages").replaceChildren();
  $("app").classList.add("no-chat");
  $("app").classList.remove("in-chat");
  renderChatList();
}

function setStatus(text) {
  const chat = state.current;
  if (!chat) return;
  const node = $("chat-status");
  node.classList.toggle("active", Boolean(text));
  node.textContent = text || (chat.type === "private" ? "bot" : chat.type);
}

// ---- chat list -----------------------------------------------------------------------------

function chatKey(type, id, botId) {
  return type === "private" ? `p${botId}` : `g${id}`;
}

async function loadChats() {
  const me = state.me;
  const [chats, bots] = await Promise.all([
    api("GET", `/chats?user_id=${me.id}`),
    api("GET", "/bots"),
  ]);
  if (state.me !== me) return;
  state.bots = bots;
  const fresh = new Map();
  for (const bot of bots) {
    const started = chats.some((c) => c.type === "private" && c.bot_id === bot.id);
    fresh.set(chatKey("private", me.id, bot.id), {
      type: "private", id: me.id, bot_id: bot.id, title: fullName(bot), started,
    });
  }
  for (const chat of chats) {
    if (chat.type === "private" || chat.migrated_to) continue;
    fresh.set(chatKey(chat.type, chat.id), { type: chat.type, id: chat.id, title: chat.title,
      started: true });
  }
  await Promise.all([...fresh.values()].filter((c) => c.started).map(async (chat) => {
    const query = chat.type === "private" ? `bot_id=${chat.bot_id}` : `chat_id=${chat.id}`;
    const history = await api("GET", `/users/${me.id}/history?${query}`).catch(() => []);
    chat.last = history[history.length - 1] || null;
  }));
  for (const [key, chat] of fresh) {
    const known = state.chats.get(key);
    chat.unread = known ? known.unread : 0;
    if (known && state.current === known) {
      Object.assign(known, chat);
      fresh.set(key, known);
    }
  }
  state.chats = fresh;
  renderChatList();
}

function scheduleLoadChats() {
  clearTimeout(state.chatsTimer);
  state.chatsTimer = setTimeout(() => loadChats().catch(fail), 150);
}

function touchChat(chat, m, fromEvent) {
  if (!chat.last || chat.last.message_id <= m.message_id) chat.last = m;
  if (fromEvent && !isOwn(m) && (chat !== state.current || document.hidden)) chat.unread += 1;
  renderChatList();
}

function renderChatList() {
  const list = $("chats");
  const chats = [...state.chats.entries()].sort(([, a], [, b]) =>
    ((b.last && b.last.date) || 0) - ((a.last && a.last.date) || 0));
  list.replaceChildren();
  for (const [key, chat] of chats) {
    const item = el("li");
    const button = el("button", "chat-item" + (chat === state.current ? " selected" : ""));
    button.type = "button";
    button.dataset.key = key;
    const idForColor = chat.type === "private" ? chat.bot_id : chat.id;
    const body = el("span", "chat-body");
    const top = el("span", "chat-top");
    top.append(el("span", "chat-name", chat.title),
      el("span", "chat-time", chat.last ? clock(chat.last.date) : ""));
    const bottom = el("span", "chat-bottom");
    let line = chat.started ? "" : "Start a chat with the bot";
    if (chat.last) {
      const sender = isOwn(chat.last) ? "You" : chat.type !== "private" && chat.last.from
        ? chat.last.from.first_name : "";
      line = (sender && !serviceText(chat.last) ? sender + ": " : "") + preview(chat.last, 80);
    }
    bottom.append(el("span", "chat-preview", line));
    if (chat.unread) bottom.append(el("span", "badge", String(chat.unread)));
    body.append(top, bottom);
    button.append(avatar(chat.title, idForColor), body);
    button.addEventListener("click", () => setHash(state.me.id, key));
    item.append(button);
    list.append(item);
  }
}

// ---- live events ---------------------------------------------------------------------------

function connectEvents() {
  if (state.source) state.source.close();
  const me = state.me;
  const source = new EventSource(`/_emulator/events?user_id=${me.id}`);
  state.source = source;
  let opened = false;
  source.addEventListener("open", () => {
    if (opened) {
      // Reconnected: something may have been missed.
      loadChats().catch(fail);
      if (state.current) openChat(chatKey(state.current.type, state.current.id,
        state.current.bot_id));
    }
    opened = true;
  });
  for (const kind of ["message", "edit", "delete", "pin", "unpin", "chat_action"]) {
    source.addEventListener(kind, (event) => {
      if (state.source === source) onEvent(kind, JSON.parse(event.data));
    });
  }
}

function eventChatKey(kind, data) {
  if (data.chat_id < 0) return chatKey("group", data.chat_id);
  if ((kind === "message" || kind === "edit") && data.from && data.from.is_bot) {
    return chatKey("private", data.chat_id, data.from.id);
  }
  if (state.current && state.current.type === "private") {
    return chatKey("private", data.chat_id, state.current.bot_id);
  }
  const bot = state.bots[state.bots.length - 1];
  return bot ? chatKey("private", data.chat_id, bot.id) : null;
}

function onEvent(kind, data) {
  const key = eventChatKey(kind, data);
  const chat = key && state.chats.get(key);
  if (!chat || !chat.started) scheduleLoadChats();
  if (!chat) return;
  if (kind === "message") touchChat(chat, data, true);
  if (kind === "edit" && chat.last && chat.last.message_id === data.message_id) {
    chat.last = data;
    renderChatList();
  }
  if (chat !== state.current) return;
  if (state.loading) state.pending.push([kind, data]);
  else applyToOpenChat(kind, data);
}

function applyToOpenChat(kind, data) {
  switch (kind) {
    case "message":
      upsert(data);
      setStatus();
      if (data.migrate_to_chat_id) {
        // The group became a supergroup: follow it, as Telegram's apps do.
        loadChats().then(() => setHash(state.me.id, chatKey("group", data.migrate_to_chat_id)))
          .catch(fail);
      }
      break;
    case "edit":
      if (state.messages.has(data.message_id)) upsert(data);
      break;
    case "delete":
      removeMessage(data.message_id);
      break;
    case "pin":
    case "unpin":
      setPinned(data.message_id, kind === "pin");
      break;
    case "chat_action":
      setStatus(data.action === "typing" ? "typing…" : data.action.replace(/_/g, " ") + "…");
      clearTimeout(state.typingTimer);
      state.typingTimer = setTimeout(() => setStatus(), 5000);
      break;
  }
}

// ---- people --------------------------------------------------------------------------------

async function showPeople() {
  try {
    state.users = await api("GET", "/users");
  } catch (error) {
    fail(error);
  }
  const list = $("people-list");
  list.replaceChildren();
  for (const user of state.users) {
    const item = el("li");
    const button = el("button", "person" + (state.me && state.me.id === user.id ? " selected" : ""));
    button.type = "button";
    const info = el("span", "person-info");
    info.append(el("span", "person-name", fullName(user)));
    const details = [user.username && "@" + user.username, user.language_code]
      .filter(Boolean).join(" · ");
    if (details) info.append(el("span", "person-details", details));
    button.append(avatar(fullName(user), user.id), info);
    button.addEventListener("click", () => {
      $("people").hidden = true;
      setHash(user.id, null);
    });
    item.append(button);
    list.append(item);
  }
  if (!state.users.length) list.append(el("li", "nobody", "No people yet."));
  $("people-close").hidden = !state.me;
  $("people").hidden = false;
}

async function becomePerson(userId) {
  if (!state.users.some((u) => u.id === userId)) state.users = await api("GET", "/users");
  const user = state.users.find((u) => u.id === userId);
  if (!user) {
    localStorage.removeItem("emulator.person");
    location.hash = "";
    return false;
  }
  closeChat();
  state.me = user;
  state.chats = new Map();
  state.hiddenKeyboards.clear();
  localStorage.setItem("emulator.person", String(user.id));
  $("me-name").textContent = fullName(user);
  fillAvatar($("me-avatar"), fullName(user), user.id);
  fillAvatar($("switch-avatar"), fullName(user), user.id);
  $("switch").title = "You are " + fullName(user) + " — switch person";
  document.title = fullName(user) + " — Emulator chat";
  connectEvents();
  await loadChats();
  return true;
}

// ---- routing: #u=<person>&c=<chat key> -----------------------------------------------------

function setHash(userId, key) {
  const params = new URLSearchParams();
  params.set("u", String(userId));
  if (key) params.set("c", key);
  location.hash = params.toString();
}

async function route() {
  const params = new URLSearchParams(location.hash.slice(1));
  const userId = Number(params.get("u")) || null;
  if (!userId) {
    const saved = Number(localStorage.getItem("emulator.person")) || null;
    if (saved) {
      history.replaceState(null, "", "#u=" + saved);
      return route();
    }
    await showPeople();
    return;
  }
  if (!state.me || state.me.id !== userId) {
    if (!(await becomePerson(userId))) return;
  }
  const key = params.get("c");
  const currentKey = state.current
    ? chatKey(state.current.type, state.current.id, state.current.bot_id) : null;
  if (key && key !== currentKey) await openChat(key);
  else if (!key && state.current) closeChat();
}

// ---- composer ------------------------------------------------------------------------------

function setComposer(value) {
  const box = $("text");
  box.value = value;
  grow();
  updateCommandList();
}

function grow() {
  const box = $("text");
  box.style.height = "auto";
  box.style.height = Math.min(box.scrollHeight, 140) + "px";
}

function updateCommandList(force) {
  const holder = $("commands");
  const value = $("text").value;
  const typing = /^\/\w*$/.test(value);
  const open = force || typing;
  const prefix = typing ? value.slice(1).toLowerCase() : "";
  const matches = state.commands.filter((c) => c.command.startsWith(prefix));
  holder.replaceChildren();
  holder.hidden = !open || !matches.length;
  for (const command of matches) {
    const button = el("button", "command-item");
    button.type = "button";
    button.append(el("span", "command-name", "/" + command.command),
      el("span", "command-description", command.description));
    button.addEventListener("click", () => {
      setComposer("");
      holder.hidden = true;
      sendText("/" + command.command).catch(fail);
    });
    holder.append(button);
  }
}

function submit() {
  const value = $("text").value;
  if (!value.trim()) return;
  setComposer("");
  sendText(value).catch((error) => {
    setComposer(value);
    fail(error);
  });
}

function wire() {
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  $("text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    } else if (event.key === "Escape") {
      $("commands").hidden = true;
    }
  });
  $("text").addEventListener("input", () => {
    grow();
    updateCommandList();
  });
  $("file").addEventListener("change", () => {
    const file = $("file").files[0];
    $("file").value = "";
    if (file && state.current) sendFile(file).catch(fail);
  });
  $("menu").addEventListener("click", () => {
    if ($("commands").hidden) updateCommandList(true); else $("commands").hidden = true;
  });
  $("keyboard-toggle").addEventListener("click", () => {
    state.keyboardOpen = !state.keyboardOpen;
    updateReplyKeyboard();
  });
  $("messages").addEventListener("scroll", () => { stickToBottom = nearBottom(); });
  $("back").addEventListener("click", () => setHash(state.me.id, null));
  $("me").addEventListener("click", showPeople);
  $("switch").addEventListener("click", showPeople);
  $("people-close").addEventListener("click", () => { $("people").hidden = true; });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    $("alert").hidden = true;
    if (state.me) $("people").hidden = true;
  });
  $("alert-ok").addEventListener("click", () => { $("alert").hidden = true; });
  $("pinned").addEventListener("click", () => flash($("pinned").dataset.id));
  window.addEventListener("hashchange", () => route().catch(fail));
  window.addEventListener("focus", () => { if (state.me) loadChats().catch(fail); });
  window.addEventListener("resize", keepBottom);
}

wire();
route().catch(fail);
