// The outbox: every rating and complaint waits in IndexedDB until the server acknowledges it (2xx).
// Items carry the id made on this device, so sending one twice is harmless: the server answers the
// replay with 200 and stores nothing new.

const DB_NAME = "hailong-kiosk";
const STORE = "outbox";

function opened(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export async function openOutbox() {
  const request = indexedDB.open(DB_NAME, 1);
  request.onupgradeneeded = () => {
    request.result.createObjectStore(STORE, { keyPath: "id" }).createIndex("created", "created");
  };
  return new Outbox(await opened(request));
}

class Outbox {
  constructor(db) {
    this.db = db;
    this.onchange = () => {};
  }

  // One transaction; resolves when it is committed to disk ("strict"), with the request's result.
  run(mode, work) {
    return new Promise((resolve, reject) => {
      const tx = this.db.transaction(STORE, mode, { durability: "strict" });
      const request = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  async put(item) {
    await this.run("readwrite", (store) => store.put(item));
    this.onchange();
  }

  async remove(id) {
    await this.run("readwrite", (store) => store.delete(id));
    this.onchange();
  }

  all() {
    return this.run("readonly", (store) => store.index("created").getAll());
  }

  count() {
    return this.run("readonly", (store) => store.count());
  }

  // A rating tapped before a reload or a crash is complete: its level was chosen, the extras are dropped.
  async promoteDrafts() {
    for (const item of await this.all()) {
      if (!item.ready) await this.put({ ...item, ready: true });
    }
  }
}

// What to do with an answer: forget the item (acknowledged, or refused for good) or keep it for later.
export function outcome(kind, status) {
  if (status >= 200 && status < 300) return "sent";
  if (status >= 500 || [401, 403, 408, 425, 429].includes(status)) return "later";
  // The complaints API may not be deployed yet: keep complaints until it is.
  if (kind === "complaint" && (status === 404 || status === 405)) return "later";
  return "refused";
}

// Sends ready items oldest first; after a failure, tries again with exponential backoff (1 s … 60 s).
export class Sender {
  constructor(outbox, { urls, token, onSent }) {
    this.outbox = outbox;
    this.urls = urls;
    this.token = token;
    this.onSent = onSent;
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
      const token = this.token();
      const items = token ? await this.outbox.all() : [];
      retry = !token && (await this.outbox.count()) > 0;
      for (const item of items) {
        if (!item.ready) continue;
        const result = await this.send(item, token);
        if (result === "offline") {
          retry = true;
          break;
        }
        if (result === "later") {
          retry = true;
          continue;
        }
        await this.outbox.remove(item.id);
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

  async send(item, token) {
    let response;
    try {
      response = await fetch(this.urls[item.kind], {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
        body: JSON.stringify(item.body),
        cache: "no-store",
      });
    } catch {
      return "offline";
    }
    const result = outcome(item.kind, response.status);
    if (result === "sent") {
      this.onSent(item, await response.json().catch(() => ({})));
    } else if (result === "refused") {
      const detail = await response.text().catch(() => "");
      console.warn(`kiosk: the server refused ${item.kind} ${item.id} (${response.status}); dropped`, detail);
    }
    return result;
  }
}
