// The counter kiosk's entry: wires the screens to their actions and starts the outbox, the sender and the device.
// state.js (boot data, texts, ids), screens.js (drawing), rating.js (tap to thank-you), complaint.js, device.js
// (pairing, configuration, heartbeat), tabs.js (which tab owns a draft), outbox.js (IndexedDB and the sender).

import { chooseCategory, onSent, openComplaint, sendComplaint } from "./complaint.js";
import { pair, startDevice } from "./device.js";
import { openOutbox, Sender } from "./outbox.js";
import { armIdle, finishRating, reset, tap, thank, toggle } from "./rating.js";
import { countQueue, onShow, show, translatePage } from "./screens.js";
import { $, boot, CONFIG_KEY, kiosk, nextLanguage, params, SEND_TIMEOUT_MS, state, token } from "./state.js";
import { alive, keepAlive } from "./tabs.js";

function wire() {
  onShow(armIdle);
  $("lang").addEventListener("click", () => {
    state.lang = nextLanguage();
    translatePage();
    armIdle();
  });
  $("pair-form").addEventListener("submit", (event) => {
    event.preventDefault();
    pair($("pair-token").value.trim());
  });
  $("faces").addEventListener("click", (event) => {
    const button = event.target.closest("[data-level]");
    if (button) tap(Number(button.dataset.level));
  });
  $("reasons").addEventListener("click", (event) => {
    const chip = event.target.closest("[data-reason]");
    if (chip) toggle(chip);
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
  window.addEventListener("online", () => kiosk.sender.kick());
}

async function main() {
  wire();
  keepAlive();
  const outbox = await openOutbox();
  kiosk.outbox = outbox;
  outbox.onchange = countQueue;
  outbox.onfailure = countQueue;
  await outbox.promoteDrafts(alive);
  await countQueue();
  const urls = { rating: boot.api.ratings, complaint: boot.api.complaints };
  kiosk.sender = new Sender(outbox, { urls, token, onSent, alive, timeoutMs: SEND_TIMEOUT_MS });
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
