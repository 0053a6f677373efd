// The counter kiosk: pairing, the rating screens, the outbox sender and the heartbeat.
// Timings come from the page (settings) and may be overridden with ?reset=<s>&idle=<s> for trials and tests.

import { face } from "./faces.js";
import { openOutbox, Sender } from "./outbox.js";

const boot = JSON.parse(document.getElementById("kiosk-boot").textContent);
const params = new URLSearchParams(location.search);
const seconds = (name, fallback) => {
  const value = Number(params.get(name));
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
const RESET_MS = seconds("reset", boot.reset_seconds) * 1000;
const IDLE_MS = seconds("idle", boot.idle_seconds) * 1000;
const HEARTBEAT_MS = boot.heartbeat_seconds * 1000;
const SEND_TIMEOUT_MS = seconds("send_timeout", 15) * 1000; // a request unanswered this long is tried again later
const TOKEN_KEY = "hailong.kiosk.token";
const CONFIG_KEY = "hailong.kiosk.config";
// Each tab says every few seconds that it is alive: a draft (a tapped level whose extras are being chosen) belongs to
// its tab, and another tab sends it only once that tab is gone (closed, reloaded, crashed), never while it is filled in.
const TAB = uuid();
const ALIVE_KEY = "hailong.kiosk.tab.";
const ALIVE_EVERY_MS = 5_000;
const GONE_AFTER_MS = 90_000; // a hidden tab's timers may run once a minute only

const $ = (id) => document.getElementById(id);
const state = {
  lang: "vi",
  screen: null,
  config: null,
  rating: null, // the rating being completed (already in the outbox as a draft)
  thanksFor: null, // the complaint whose tracking code the thank-you screen waits for
  notice: null,
  queued: 0,
  storageFailed: false, // IndexedDB refused a write: taps are sent at once, and the top bar says so
};
let outbox;
let sender;
let idleTimer;
let resetTimer;
let heartbeatTimer;

// -- texts --------------------------------------------------------------------------------------------
function t(key, values = {}) {
  const text = boot.messages[state.lang][key] ?? boot.messages.vi[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => values[name] ?? "");
}

const local = (texts) => (texts && (texts[state.lang] || texts.vi)) || "";

function translatePage() {
  document.documentElement.lang = state.lang;
  for (const element of document.querySelectorAll("[data-t]")) element.textContent = t(element.dataset.t);
  const other = boot.languages.find((lang) => lang !== state.lang);
  const button = $("lang");
  button.textContent = t("kiosk.lang_switch");
  button.lang = other;
  button.setAttribute("aria-label", t("kiosk.lang_label"));
  document.title = `${t("kiosk.title")} · Hài Lòng`;
  renderPlace();
  renderStart();
  if (state.rating) renderDetails(false);
  renderQueue();
}

// -- screens ------------------------------------------------------------------------------------------
function show(name) {
  for (const section of document.querySelectorAll(".screen")) section.hidden = section.id !== `screen-${name}`;
  state.screen = name;
  document.body.dataset.screen = name;
  const heading = $(`screen-${name}`).querySelector("h1");
  if (heading) heading.focus({ preventScroll: true });
  armIdle();
}

function armIdle() {
  clearTimeout(idleTimer);
  const away = state.screen === "start" ? state.lang !== "vi" || state.notice : ["details", "complaint"].includes(state.screen);
  if (away) idleTimer = setTimeout(onIdle, IDLE_MS);
}

async function onIdle() {
  await finishRating(false);
  reset();
}

function reset() {
  clearTimeout(resetTimer);
  state.rating = null;
  state.thanksFor = null;
  state.notice = null;
  if (state.lang !== "vi") {
    state.lang = "vi";
    translatePage();
  }
  renderStart();
  show(state.config ? "start" : "setup");
}

function renderPlace() {
  const config = state.config;
  $("centre-name").textContent = config ? config.centre.name : "Hài Lòng";
  $("counter-name").textContent = config && config.counter ? config.counter.name : "";
}

function levelsOf(config) {
  const byValue = new Map(config.survey.overall.levels.map((level) => [level.value, level]));
  return config.levels.map((value) => byValue.get(value)).filter(Boolean);
}

function renderStart() {
  const config = state.config;
  if (!config) return;
  $("question").textContent = local(config.survey.overall.text);
  const faces = $("faces");
  faces.replaceChildren();
  const levels = levelsOf(config);
  faces.style.setProperty("--count", levels.length);
  for (const level of levels) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = `face level-${level.value}`;
    button.dataset.level = level.value;
    button.innerHTML = face(level.value);
    const word = document.createElement("span");
    word.className = "word";
    word.textContent = local(level.label);
    button.append(word);
    button.addEventListener("click", () => tap(level.value));
    faces.append(button);
  }
  const staff = $("staff");
  staff.hidden = !config.staff_on_duty;
  staff.textContent = config.staff_on_duty ? t("kiosk.staff", { name: config.staff_on_duty.name }) : "";
  const notice = $("notice");
  notice.hidden = !state.notice;
  notice.textContent = state.notice ? t(state.notice.key, state.notice.values) : "";
}

function renderQueue() {
  const mark = $("queue");
  const text = state.queued ? t("kiosk.queue_waiting", { n: state.queued }) : t("kiosk.queue_empty");
  mark.textContent = state.storageFailed ? `${t("kiosk.storage_failed")} · ${text}` : text;
  mark.classList.toggle("waiting", state.queued > 0 || state.storageFailed);
  mark.classList.toggle("failed", state.storageFailed);
}

async function countQueue() {
  state.queued = await outbox.count();
  state.storageFailed = outbox.failed;
  renderQueue();
}

function beat() {
  try {
    localStorage.setItem(ALIVE_KEY + TAB, String(Date.now()));
  } catch {
    // storage full: other tabs will take this one's drafts as abandoned after a while, and send their levels
  }
}

function alive(tab) {
  if (!tab) return false;
  if (tab === TAB) return true;
  return Date.now() - Number(localStorage.getItem(ALIVE_KEY + tab) || 0) < GONE_AFTER_MS;
}

function keepAlive() {
  for (const key of Object.keys(localStorage)) {
    if (key.startsWith(ALIVE_KEY) && !alive(key.slice(ALIVE_KEY.length))) localStorage.removeItem(key);
  }
  beat();
  setInterval(beat, ALIVE_EVERY_MS);
  window.addEventListener("pagehide", () => localStorage.removeItem(ALIVE_KEY + TAB));
}

// -- rating -------------------------------------------------------------------------------------------
// A rating's id is made here, so a retry can never count twice. It is time-ordered (UUID version 7, RFC 9562): the
// first 48 bits are the moment of the tap in milliseconds, the rest random. New ratings then land at the end of the
// rating table's primary-key index instead of on a random page of it, which keeps each commit small on both databases.
function uuid() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let ms = Date.now();
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

async function tap(level) {
  if (state.rating || state.screen !== "start") return; // a second finger on the glass
  const id = uuid();
  const body = { id, overall: level, reasons: [], comment: null, language: state.lang, submitted_at: new Date().toISOString() };
  if (state.config.staff_on_duty) body.staff_code = state.config.staff_on_duty.code;
  state.rating = { id, kind: "rating", ready: false, created: Date.now(), body, token: token(), tab: TAB };
  state.notice = null;
  await outbox.put(state.rating); // the tap is kept before anything else is shown
  if (outbox.memory.has(id)) {
    // IndexedDB could not keep it: the level is sent at once (a reload now would lose it). Extras sent later under
    // the same id would be refused as another body, so none are asked for: the citizen is thanked.
    await finishRating(false);
    thank(null);
    return;
  }
  renderDetails(true);
  show("details");
}

function renderDetails(fresh) {
  const { config } = state;
  const level = levelsOf(config).find((l) => l.value === state.rating.body.overall);
  $("chosen").textContent = t("kiosk.chosen", { level: local(level.label) });
  const box = $("reasons");
  const picked = fresh ? new Set() : new Set(selectedReasons());
  box.replaceChildren();
  for (const reason of config.survey.reasons) {
    if (reason.levels && !reason.levels.includes(state.rating.body.overall)) continue;
    const chip = document.createElement("button");
    chip.type = "button";
    chip.className = "chip";
    chip.dataset.reason = reason.code;
    chip.setAttribute("aria-pressed", String(picked.has(reason.code)));
    chip.textContent = local(reason.label);
    chip.addEventListener("click", () => toggle(chip));
    box.append(chip);
  }
  if (fresh) $("comment").value = "";
}

function toggle(chip) {
  chip.setAttribute("aria-pressed", String(chip.getAttribute("aria-pressed") !== "true"));
}

const selectedReasons = () => [...$("reasons").querySelectorAll('[aria-pressed="true"]')].map((c) => c.dataset.reason);

// Mark the rating ready to send; with ``extras`` the reasons and comment chosen so far go with it.
async function finishRating(extras) {
  const rating = state.rating;
  if (!rating) return;
  state.rating = null;
  const body = { ...rating.body };
  if (extras) {
    body.reasons = selectedReasons();
    body.comment = $("comment").value.trim() || null;
  }
  await outbox.put({ ...rating, body, ready: true });
  sender.kick();
}

function thank(complaintId) {
  state.thanksFor = complaintId;
  $("complaint-note").hidden = !complaintId;
  $("tracking").hidden = true;
  show("thanks");
  clearTimeout(resetTimer);
  // A citizen who filed a complaint gets time to note its tracking code.
  resetTimer = setTimeout(reset, complaintId ? Math.max(RESET_MS, IDLE_MS) : RESET_MS);
}

// -- complaint ----------------------------------------------------------------------------------------
function openComplaint() {
  for (const chip of $("categories").children) chip.setAttribute("aria-pressed", "false");
  $("complaint-text").value = "";
  $("complaint-phone").value = "";
  $("complaint-consent").checked = false;
  $("complaint-error").textContent = "";
  show("complaint");
}

const PHONE = /^\+?[0-9][0-9 .()-]{6,18}[0-9]$/; // as the complaints API checks it

function complaintProblem(category, text, phone, consent) {
  if (!category) return "kiosk.need_category";
  if (!text) return "kiosk.need_text";
  if (phone && !PHONE.test(phone)) return "kiosk.bad_phone";
  if (phone && !consent) return "kiosk.need_consent";
  return null;
}

async function sendComplaint() {
  const chip = $("categories").querySelector('[aria-pressed="true"]');
  const category = chip ? chip.dataset.category : null;
  const text = $("complaint-text").value.trim();
  const phone = $("complaint-phone").value.trim();
  const consent = $("complaint-consent").checked;
  const problem = complaintProblem(category, text, phone, consent);
  if (problem) {
    $("complaint-error").textContent = t(problem);
    return;
  }
  const id = uuid();
  const body = { id, category, text, language: state.lang, submitted_at: new Date().toISOString() };
  if (phone) Object.assign(body, { phone, consent: true });
  if (state.config.staff_on_duty) body.staff_code = state.config.staff_on_duty.code;
  await finishRating(true);
  await outbox.put({ id, kind: "complaint", ready: true, created: Date.now(), body, token: token() });
  thank(id);
  sender.kick();
}

function chooseCategory(chip) {
  for (const other of $("categories").children) other.setAttribute("aria-pressed", String(other === chip));
}

function onSent(item, answer) {
  if (item.kind === "complaint" && item.id === state.thanksFor && state.screen === "thanks" && answer.tracking_code) {
    const tracking = $("tracking");
    const lines = [t("kiosk.tracking", { code: answer.tracking_code })];
    if (answer.secret) lines.push(t("kiosk.secret", { secret: answer.secret }), t("kiosk.track_hint"));
    tracking.replaceChildren(...lines.map((line) => Object.assign(document.createElement("span"), { textContent: line })));
    tracking.hidden = false;
  }
}

// -- pairing, configuration and heartbeat -------------------------------------------------------------
const token = () => localStorage.getItem(TOKEN_KEY);

async function fetchConfig(deviceToken) {
  const response = await fetch(boot.api.config, { headers: { Authorization: `Bearer ${deviceToken}` }, cache: "no-store" });
  if (response.status === 401 || response.status === 403) return { refused: true };
  if (!response.ok) throw new Error(`config: ${response.status}`);
  return { config: await response.json() };
}

function useConfig(config) {
  // Drawn again only when something changed: the faces are not replaced under a citizen's finger every minute
  // (a tap whose press and release land on different buttons is no click).
  const text = JSON.stringify(config);
  const changed = state.config === null || text !== localStorage.getItem(CONFIG_KEY);
  state.config = config;
  if (!changed) return;
  localStorage.setItem(CONFIG_KEY, text);
  renderPlace();
  if (!state.rating) renderStart();
}

async function pair(deviceToken) {
  const error = $("pair-error");
  error.textContent = "";
  if (!deviceToken) {
    error.textContent = t("kiosk.pair_empty");
    return;
  }
  let answer;
  try {
    answer = await fetchConfig(deviceToken);
  } catch {
    show("setup");
    error.textContent = t("kiosk.pair_offline");
    return;
  }
  if (answer.refused) {
    show("setup");
    error.textContent = t("kiosk.pair_wrong");
    return;
  }
  localStorage.setItem(TOKEN_KEY, deviceToken);
  navigator.storage?.persist?.(); // ask the browser never to evict the queue
  $("pair-token").value = "";
  useConfig(answer.config);
  startDevice();
  reset();
}

function unpaired() {
  localStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(CONFIG_KEY);
  state.config = null;
  clearInterval(heartbeatTimer);
  heartbeatTimer = null;
  renderPlace();
  show("setup");
  $("pair-error").textContent = t("kiosk.unpaired");
}

async function refreshConfig() {
  const deviceToken = token();
  if (!deviceToken) return;
  try {
    const answer = await fetchConfig(deviceToken);
    if (answer.refused) return unpaired();
    useConfig(answer.config);
    if (state.screen === "loading") reset();
  } catch {
    // offline: keep the configuration we have; the next heartbeat tries again
  }
}

async function heartbeat() {
  const deviceToken = token();
  if (!deviceToken) return;
  try {
    await fetch(boot.api.heartbeat, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${deviceToken}` },
      body: JSON.stringify(await outbox.counts()),
      cache: "no-store",
    });
  } catch {
    // offline: the admin page shows the kiosk as silent after ten minutes
  }
  await refreshConfig();
}

function startDevice() {
  if (heartbeatTimer) return;
  heartbeat();
  heartbeatTimer = setInterval(heartbeat, HEARTBEAT_MS);
  sender.kick();
}

// -- start --------------------------------------------------------------------------------------------
function wire() {
  $("lang").addEventListener("click", () => {
    state.lang = boot.languages.find((lang) => lang !== state.lang);
    translatePage();
    armIdle();
  });
  $("pair-form").addEventListener("submit", (event) => {
    event.preventDefault();
    pair($("pair-token").value.trim());
  });
  $("send").addEventListener("click", async () => {
    await finishRating(true);
    thank(null);
  });
  $("complain").addEventListener("click", openComplaint);
  $("complaint-back").addEventListener("click", () => show("details"));
  $("complaint-send").addEventListener("click", sendComplaint);
  for (const chip of $("categories").children) chip.addEventListener("click", () => chooseCategory(chip));
  $("done").addEventListener("click", reset);
  for (const kind of ["pointerdown", "keydown", "input"]) document.addEventListener(kind, armIdle, { passive: true });
  window.addEventListener("online", () => sender.kick());
}

async function main() {
  wire();
  keepAlive();
  outbox = await openOutbox();
  outbox.onchange = countQueue;
  outbox.onfailure = countQueue;
  await outbox.promoteDrafts(alive);
  await countQueue();
  const urls = { rating: boot.api.ratings, complaint: boot.api.complaints };
  sender = new Sender(outbox, { urls, token, onSent, alive, timeoutMs: SEND_TIMEOUT_MS });
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(boot.service_worker, { scope: "/kiosk/" }).catch((error) => {
      console.warn("kiosk: no offline start-up", error);
    });
  }
  const link = params.get("pair");
  if (link !== null) {
    params.delete("pair"); // the token must not stay in the address bar or the history
    history.replaceState(null, "", `${location.pathname}${params.size ? `?${params}` : ""}`);
  }
  const deviceToken = token();
  if (!deviceToken) {
    show(link ? "loading" : "setup");
    if (link) await pair(link.trim());
    return;
  }
  const cached = localStorage.getItem(CONFIG_KEY);
  state.config = cached ? JSON.parse(cached) : null;
  if (link && link.trim() !== deviceToken && state.config) {
    const place = [state.config.centre.name, state.config.counter?.name].filter(Boolean).join(" – ");
    state.notice = { key: "kiosk.locked", values: { place } };
  }
  translatePage();
  show(state.config ? "start" : "loading");
  startDevice();
}

main();
