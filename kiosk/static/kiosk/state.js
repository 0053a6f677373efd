// What every kiosk module shares: the page's boot data and timings, the screen state, texts, ids and the token.
// Timings come from the page (settings) and may be overridden with ?reset=<s>&idle=<s> for trials and tests.

export const boot = JSON.parse(document.getElementById("kiosk-boot").textContent);
export const params = new URLSearchParams(location.search);
const seconds = (name, fallback) => {
  const value = Number(params.get(name));
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
export const RESET_MS = seconds("reset", boot.reset_seconds) * 1000;
export const IDLE_MS = seconds("idle", boot.idle_seconds) * 1000;
export const HEARTBEAT_MS = boot.heartbeat_seconds * 1000;
export const SEND_TIMEOUT_MS = seconds("send_timeout", 15) * 1000; // a request unanswered this long is tried again later
export const TOKEN_KEY = "hailong.kiosk.token";
export const CONFIG_KEY = "hailong.kiosk.config";
export const BASE_LANGUAGE = boot.base_language;

export const $ = (id) => document.getElementById(id);
export const state = {
  lang: BASE_LANGUAGE,
  screen: null,
  config: null,
  rating: null, // the rating being completed (already in the outbox as a draft)
  thanksFor: null, // the complaint whose tracking code the thank-you screen waits for
  notice: null,
  queued: 0,
  storageFailed: false, // IndexedDB refused a write: taps are sent at once, and the top bar says so
};
// The outbox and its sender, set once by app.js when the page starts.
export const kiosk = { outbox: null, sender: null };

export function t(key, values = {}) {
  const text = boot.messages[state.lang][key] ?? boot.messages[BASE_LANGUAGE][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => values[name] ?? "");
}

export const local = (texts) => (texts && (texts[state.lang] || texts[BASE_LANGUAGE])) || "";

// The language the language button goes to: the next of the catalogues' languages, in turn.
export function nextLanguage() {
  const { languages } = boot;
  return languages[(languages.indexOf(state.lang) + 1) % languages.length];
}

export const token = () => localStorage.getItem(TOKEN_KEY);

// A rating's id is made here, so a retry can never count twice. It is time-ordered (UUID version 7, RFC 9562): the
// first 48 bits are the moment of the tap in milliseconds, the rest random. New ratings then land at the end of the
// rating table's primary-key index instead of on a random page of it, which keeps each commit small on both databases.
export function uuid() {
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
