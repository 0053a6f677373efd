// The device: pairing with a token, the counter's configuration (kept for an offline start) and the heartbeat.

import { reset } from "./rating.js";
import { renderPlace, renderStart, show } from "./screens.js";
import { $, boot, CONFIG_KEY, HEARTBEAT_MS, kiosk, state, t, TOKEN_KEY, token } from "./state.js";

let heartbeatTimer;

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

export async function pair(deviceToken) {
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
      body: JSON.stringify(await kiosk.outbox.counts()),
      cache: "no-store",
    });
  } catch {
    // offline: the admin page shows the kiosk as silent after ten minutes
  }
  await refreshConfig();
}

export function startDevice() {
  if (heartbeatTimer) return;
  heartbeat();
  heartbeatTimer = setInterval(heartbeat, HEARTBEAT_MS);
  kiosk.sender.kick();
}
