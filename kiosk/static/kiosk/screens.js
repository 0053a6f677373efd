// The kiosk's screens: which one shows, and drawing each from the state (texts, faces, reasons, the queue mark).
// Drawing only: what a tap does is wired by app.js, on the containers (the faces, the reasons), so a screen drawn
// again never loses a listener.

import { face } from "./faces.js";
import { $, boot, kiosk, local, nextLanguage, state, t } from "./state.js";

let shown = () => {};

// Called after every change of screen (app.js arms the idle timer there).
export function onShow(listener) {
  shown = listener;
}

export function show(name) {
  for (const section of document.querySelectorAll(".screen")) section.hidden = section.id !== `screen-${name}`;
  state.screen = name;
  document.body.dataset.screen = name;
  const heading = $(`screen-${name}`).querySelector("h1");
  if (heading) heading.focus({ preventScroll: true });
  shown();
}

export function translatePage() {
  document.documentElement.lang = state.lang;
  for (const element of document.querySelectorAll("[data-t]")) element.textContent = t(element.dataset.t);
  // The button names the next language in that language ("English", "Tiếng Việt", "Français"…), as it names itself.
  const next = nextLanguage();
  const button = $("lang");
  button.textContent = boot.language_names[next];
  button.lang = next;
  button.hidden = boot.languages.length < 2;
  document.title = `${t("kiosk.title")} · Hài Lòng`;
  renderPlace();
  renderStart();
  if (state.rating) renderDetails(false);
  renderQueue();
}

export function renderPlace() {
  const config = state.config;
  $("centre-name").textContent = config ? config.centre.name : "Hài Lòng";
  $("counter-name").textContent = config && config.counter ? config.counter.name : "";
}

export function levelsOf(config) {
  const byValue = new Map(config.survey.overall.levels.map((level) => [level.value, level]));
  return config.levels.map((value) => byValue.get(value)).filter(Boolean);
}

export function renderStart() {
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
    faces.append(button);
  }
  const staff = $("staff");
  staff.hidden = !config.staff_on_duty;
  staff.textContent = config.staff_on_duty ? t("kiosk.staff", { name: config.staff_on_duty.name }) : "";
  const notice = $("notice");
  notice.hidden = !state.notice;
  notice.textContent = state.notice ? t(state.notice.key, state.notice.values) : "";
}

export function renderQueue() {
  const mark = $("queue");
  const text = state.queued ? t("kiosk.queue_waiting", { n: state.queued }) : t("kiosk.queue_empty");
  mark.textContent = state.storageFailed ? `${t("kiosk.storage_failed")} · ${text}` : text;
  mark.classList.toggle("waiting", state.queued > 0 || state.storageFailed);
  mark.classList.toggle("failed", state.storageFailed);
}

export async function countQueue() {
  state.queued = await kiosk.outbox.count();
  state.storageFailed = kiosk.outbox.failed;
  renderQueue();
}

export function renderDetails(fresh) {
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
    box.append(chip);
  }
  if (fresh) $("comment").value = "";
}

export const selectedReasons = () =>
  [...$("reasons").querySelectorAll('[aria-pressed="true"]')].map((chip) => chip.dataset.reason);
