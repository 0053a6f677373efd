// A complaint about staff conduct from the counter: chosen category, text, and a phone number only with consent.
// It waits in the outbox like a rating; the thank-you screen shows its tracking code once the server has answered.

import { finishRating, thank } from "./rating.js";
import { show } from "./screens.js";
import { $, kiosk, state, t, token, uuid } from "./state.js";

export function openComplaint() {
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

export async function sendComplaint() {
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
  await kiosk.outbox.put({ id, kind: "complaint", ready: true, created: Date.now(), body, token: token() });
  thank(id);
  kiosk.sender.kick();
}

export function chooseCategory(chip) {
  for (const other of $("categories").children) other.setAttribute("aria-pressed", String(other === chip));
}

// The sender's report of an acknowledged item: a complaint's tracking code (and secret) on the thank-you screen.
export function onSent(item, answer) {
  if (item.kind === "complaint" && item.id === state.thanksFor && state.screen === "thanks" && answer.tracking_code) {
    const tracking = $("tracking");
    const lines = [t("kiosk.tracking", { code: answer.tracking_code })];
    if (answer.secret) lines.push(t("kiosk.secret", { secret: answer.secret }), t("kiosk.track_hint"));
    tracking.replaceChildren(...lines.map((line) => Object.assign(document.createElement("span"), { textContent: line })));
    tracking.hidden = false;
  }
}
