// A rating from tap to thank-you: the tap is kept in the outbox at once (as a draft), the reasons and comment go with
// it when the citizen sends them, and an idle kiosk sends the level alone and goes back to the start, in Vietnamese.

import { renderDetails, renderStart, selectedReasons, show, translatePage } from "./screens.js";
import { $, BASE_LANGUAGE, IDLE_MS, kiosk, RESET_MS, state, token, uuid } from "./state.js";
import { TAB } from "./tabs.js";

let idleTimer;
let resetTimer;

export function armIdle() {
  clearTimeout(idleTimer);
  const away =
    state.screen === "start" ? state.lang !== BASE_LANGUAGE || state.notice : ["details", "complaint"].includes(state.screen);
  if (away) idleTimer = setTimeout(onIdle, IDLE_MS);
}

async function onIdle() {
  await finishRating(false);
  reset();
}

export function reset() {
  clearTimeout(resetTimer);
  state.rating = null;
  state.thanksFor = null;
  state.notice = null;
  if (state.lang !== BASE_LANGUAGE) {
    state.lang = BASE_LANGUAGE;
    translatePage();
  }
  renderStart();
  show(state.config ? "start" : "setup");
}

export async function tap(level) {
  if (state.rating || state.screen !== "start") return; // a second finger on the glass
  const id = uuid();
  const body = { id, overall: level, reasons: [], comment: null, language: state.lang, submitted_at: new Date().toISOString() };
  if (state.config.staff_on_duty) body.staff_code = state.config.staff_on_duty.code;
  state.rating = { id, kind: "rating", ready: false, created: Date.now(), body, token: token(), tab: TAB };
  state.notice = null;
  await kiosk.outbox.put(state.rating); // the tap is kept before anything else is shown
  if (kiosk.outbox.memory.has(id)) {
    // IndexedDB could not keep it: the level is sent at once (a reload now would lose it). Extras sent later under
    // the same id would be refused as another body, so none are asked for: the citizen is thanked.
    await finishRating(false);
    thank(null);
    return;
  }
  renderDetails(true);
  show("details");
}

export function toggle(chip) {
  chip.setAttribute("aria-pressed", String(chip.getAttribute("aria-pressed") !== "true"));
}

// Mark the rating ready to send; with ``extras`` the reasons and comment chosen so far go with it.
export async function finishRating(extras) {
  const rating = state.rating;
  if (!rating) return;
  state.rating = null;
  const body = { ...rating.body };
  if (extras) {
    body.reasons = selectedReasons();
    body.comment = $("comment").value.trim() || null;
  }
  await kiosk.outbox.put({ ...rating, body, ready: true });
  kiosk.sender.kick();
}

export function thank(complaintId) {
  state.thanksFor = complaintId;
  $("complaint-note").hidden = !complaintId;
  $("tracking").hidden = true;
  show("thanks");
  clearTimeout(resetTimer);
  // A citizen who filed a complaint gets time to note its tracking code.
  resetTimer = setTimeout(reset, complaintId ? Math.max(RESET_MS, IDLE_MS) : RESET_MS);
}
