// Each tab says every few seconds that it is alive: a draft (a tapped level whose extras are being chosen) belongs to
// its tab, and another tab sends it only once that tab is gone (closed, reloaded, crashed), never while it is filled in.

import { uuid } from "./state.js";

export const TAB = uuid();
const ALIVE_KEY = "hailong.kiosk.tab.";
const ALIVE_EVERY_MS = 5_000;
const GONE_AFTER_MS = 90_000; // a hidden tab's timers may run once a minute only

function beat() {
  try {
    localStorage.setItem(ALIVE_KEY + TAB, String(Date.now()));
  } catch {
    // storage full: other tabs will take this one's drafts as abandoned after a while, and send their levels
  }
}

export function alive(tab) {
  if (!tab) return false;
  if (tab === TAB) return true;
  return Date.now() - Number(localStorage.getItem(ALIVE_KEY + tab) || 0) < GONE_AFTER_MS;
}

export function keepAlive() {
  for (const key of Object.keys(localStorage)) {
    if (key.startsWith(ALIVE_KEY) && !alive(key.slice(ALIVE_KEY.length))) localStorage.removeItem(key);
  }
  beat();
  setInterval(beat, ALIVE_EVERY_MS);
  window.addEventListener("pagehide", () => localStorage.removeItem(ALIVE_KEY + TAB));
}
