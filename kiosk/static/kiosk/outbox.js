// The outbox: every rating and complaint waits in IndexedDB until the server acknowledges it (2xx).
// Items carry the id made on this device, so sending one twice is harmless: the server answers the
// replay with 200 and stores nothing new. Nothing is ever deleted unacknowledged: an item the server
// refuses for good is kept aside ("held") on the device and counted in the heartbeat, for a manager to see.

const DB_NAME = "hailong-kiosk";
const STORE = "outbox";

function opened(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error("IndexedDB is blocked"));
  });
}

// IndexedDB, or (when the browser cannot give it: storage cleared, private mode, quota) the memory alone.
export async function openOutbox() {
  try {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore(STORE, { keyPath: "id" }).createIndex("created", "created");
    };
    return new Outbox(await opened(request));
  } catch (error) {
    console.warn("kiosk: no IndexedDB; ratings are sent at once and kept in memory until acknowledged", error);
    const outbox = new Outbox(null);
    outbox.failed = true;
    return outbox;
  }
}

class Outbox {
  constructor(db) {
    this.db = db;
    this.memory = new Map(); // items IndexedDB could not take: sent from here, lost only if the page closes
    this.failed = false; // IndexedDB refused a write: the screen says so, and taps are sent at once
    this.onchange = () => {};
    this.onfailure = () => {};
  }

  // One transaction; resolves when it is committed to disk ("strict"), with the request's result.
  run(mode, work) {
    if (!this.db) return Promise.reject(new Error("no IndexedDB"));
    return new Promise((resolve, reject) => {
      let tx;
      try {
        tx = this.db.transaction(STORE, mode, { durability: "strict" });
      } catch (error) {
        reject(error);
        return;
      }
      const request = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  // Never throws: an item IndexedDB cannot take is kept in memory and the failure is reported once.
  async put(item) {
    try {
      await this.run("readwrite", (store) => store.put(item));
      this.memory.delete(item.id);
      if (!this.memory.size) this.failed = false; // the storage works again (a passing quota error)
    } catch (error) {
      this.memory.set(item.id, item);
      if (!this.failed) {
        this.failed = true;
        console.warn("kiosk: IndexedDB refused a write; keeping the item in memory", error);
      }
      this.onfailure(error);
    }
    this.onchange();
  }

  async remove(id) {
    this.memory.delete(id);
    await this.run("readwrite", (store) => store.delete(id)).catch(() => {});
    this.onchange();
  }

  async all() {
    const stored = await this.run("readonly", (store) => store.index("created").getAll()).catch(() => []);
    const ids = new Set(stored.map((item) => item.id));
    const kept = [...this.memory.values()].filter((item) => !ids.has(item.id));
    return [...stored.map((item) => this.memory.get(item.id) ?? item), ...kept].sort((a, b) => a.created - b.created);
  }

  // Items waiting to be sent (drafts included), and items kept aside.
  async counts() {
    const items = await this.all();
    const held = items.filter((item) => item.held).length;
    return { queued: items.length - held, held };
  }

  async count() {
    return (await this.counts()).queued;
  }

  // A draft whose tab is gone (a reload, a crash, a closed tab) is complete: its level was chosen, the extras are
  // dropped. A draft another tab is still filling in is left to that tab, which sends it with its extras.
  async promoteDrafts(alive = () => false) {
    for (const item of await this.all()) {
      if (!item.ready && !alive(item.tab)) await this.put({ ...item, ready: true });
    }
  }
}

// What to do with an answer: forget the item (acknowledged), keep it for later, or keep it aside for good.
export function outcome(kind, status) {
  if (status >= 200 && status < 300) return "sent";
  // another body under the same id is stored already (a second tab sent the level first): the tap is counted
  if (status === 409) return "sent";
  if (status >= 500 || [401, 403, 408, 425, 429].includes(status)) return "later";
  // The complaints API may not be deployed yet: keep complaints until it is.
  if (kind === "complaint" && (status === 404 || status === 405)) return "later";
  return "refused";
}

// Sends ready items oldest first; after a failure, tries again with exponential backoff (1 s … 60 s).
// Each item goes with the pairing it was made under: a kiosk paired to another counter since sends its old queue
// as the old kiosk (so it counts where it was tapped), and keeps aside what the old pairing may no longer send.
export class Sender {
  constructor(outbox, { urls, token, onSent, alive = () => false, timeoutMs = 15_000 }) {
    this.outbox = outbox;
    this.timeoutMs = timeoutMs; // a half-open connection must not stall the queue
    this.urls = urls;
    this.token = token;
    this.onSent = onSent;
    this.alive = alive;
    this.failures = 0;
    this.running = false;
    this.again = false;
    this.timer = null;
  }

  // Something new to send, or the network is back: try now, with a fresh backoff.
  kick() {
    this.failures = 0;
    this.flush();
  }

  async flush() {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    clearTimeout(this.timer);
    let retry = false;
    try {
      const current = this.token();
      await this.outbox.promoteDrafts(this.alive);
      const items = (await this.outbox.all()).filter((item) => !item.held);
      for (const item of items) {
        if (!item.ready) continue;
        const token = item.token || current;
        if (!token) {
          retry = true;
          continue;
        }
        const result = await this.send(item, token, token !== current);
        if (result === "offline") {
          retry = true;
          break;
        }
        if (result === "later") {
          retry = true;
          continue;
        }
        if (result === "sent") await this.outbox.remove(item.id);
      }
    } catch (error) {
      console.warn("kiosk: sending failed, will retry", error);
      retry = true;
    } finally {
      this.running = false;
    }
    if (this.again) {
      this.again = false;
      return this.flush();
    }
    if (retry) {
      const delay = Math.min(60_000, 1000 * 2 ** this.failures) * (0.8 + Math.random() * 0.4);
      this.failures = Math.min(this.failures + 1, 10);
      this.timer = setTimeout(() => this.flush(), delay);
    } else {
      this.failures = 0;
    }
  }

  async send(item, token, earlierPairing) {
    let response;
    try {
      response = await fetch(this.urls[item.kind], {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
        body: JSON.stringify(item.body),
        cache: "no-store",
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch {
      return "offline";
    }
    let result = outcome(item.kind, response.status);
    // the pairing it was made under was ended: it may not be sent as another kiosk, so it is kept aside
    if (result === "later" && earlierPairing && [401, 403].includes(response.status)) result = "refused";
    if (result === "sent") {
      this.onSent(item, await response.json().catch(() => ({})));
    } else if (result === "refused") {
      const detail = await response.text().catch(() => "");
      console.warn(`kiosk: the server refused ${item.kind} ${item.id} (${response.status}); kept aside`, detail);
      await this.outbox.put({ ...item, held: { status: response.status, detail: detail.slice(0, 500), at: Date.now() } });
    }
    return result;
  }
}
