/* The Touchpoint API as a phone app uses it, for /app/today/ (today.js draws the page; this is the protocol):
 * requests with the browser's session (DRF SessionAuthentication: the CSRF token in X-CSRFToken) and an
 * Idempotency-Key the caller made and saved beforehand; what may be retried (no answer, 5xx, 429, a request
 * still being answered) told from what is refused (any other 4xx, with the API's message and field); photos
 * kept as Blobs in IndexedDB and sent as consistency/api/evidence_views.py describes: ask (JSON: criterion,
 * content_type, size, sha256), post to the storage's presigned form, confirm; or, where the server keeps
 * photos itself or the page cannot hash (no crypto.subtle outside https), one multipart upload to the API. */
window.touchpointClient = csrf => {
  "use strict";
  const gettext = window.gettext || (s => s);  // Django's JavaScriptCatalog, loaded before; English without it
  const subtle = window.crypto && crypto.subtle;  // only in a secure context (https, localhost)

  const uuid = () => crypto.randomUUID ? crypto.randomUUID()
    : "10000000-1000-4000-8000-100000000000".replace(/[018]/g,
      c => (c ^ crypto.getRandomValues(new Uint8Array(1))[0] & 15 >> c / 4).toString(16));
  // A photo's type: the browser's, else its name's (most desktops give a .heic none).
  const photoType = f => f.type || (/\.hei[cf]$/i.test(f.name) ? "image/" + f.name.slice(-4).toLowerCase() : "image/jpeg");
  // A kept photo; its format where it cannot be drawn (HEIC outside Safari).
  function preview(blob, type) {
    const img = Object.assign(document.createElement("img"), {alt: "", src: URL.createObjectURL(blob)});
    img.onerror = () => img.replaceWith(Object.assign(document.createElement("b"), {className: "fmt", textContent: type.slice(6).toUpperCase()}));
    return img;
  }
  /* --- photos kept on the phone until they are sent: Blobs in IndexedDB ------------------------ */
  let dbPromise = null;
  function db() {
    return dbPromise || (dbPromise = new Promise((ok, ko) => {
      const open = indexedDB.open("touchpoint-today", 1);
      open.onupgradeneeded = () => open.result.createObjectStore("photos");
      open.onsuccess = () => { open.result.onclose = () => { dbPromise = null; }; ok(open.result); };
      open.onerror = () => ko(open.error);
      open.onblocked = () => ko(new Error("the photo store is blocked by another tab"));
    }));
  }
  async function idbOnce(mode, fn) {
    const store = (await db()).transaction("photos", mode);
    return new Promise((ok, ko) => {
      const req = fn(store.objectStore("photos"));
      store.oncomplete = () => ok(req.result);
      store.onerror = () => ko(store.error || new Error("the photo store failed"));
      // A full disk (QuotaExceededError) aborts the transaction without an error event on it.
      store.onabort = () => ko(store.error || new Error("the photo store gave up (is the phone full?)"));
    });
  }
  async function idb(mode, fn) {
    // A read that fails is not a photo that is gone: the connection is opened afresh and the request tried again.
    try { return await idbOnce(mode, fn); } catch {
      dbPromise = null;
      return idbOnce(mode, fn);
    }
  }
  const putPhoto = (id, blob) => idb("readwrite", s => s.put(blob, id));
  const getPhoto = id => idb("readonly", s => s.get(id));  // undefined: not on this phone; a throw: not readable now
  const dropPhoto = id => idb("readwrite", s => s.delete(id)).catch(() => {});

  /* --- the API, with the browser's session ----------------------------------------------------- */
  class Retry extends Error {
    constructor(message, signIn = false) { super(message); this.signIn = signIn; }
  }
  class Refused extends Error {
    constructor(status, body) {
      super((body && body.message) || gettext("Refused (HTTP %(status)s).").replace("%(status)s", status));
      this.status = status; this.body = body || {};
    }
  }
  // A request that hangs on a bad line is given up and counted as a retry (same key): ~30 s for JSON, and for an
  // upload 30 s plus its size at a slow 25 kB/s.
  const timeoutFor = size => 30000 + (size || 0) / 25;
  async function fetchWithin(url, options, ms) {
    const stop = window.AbortController ? new AbortController() : null;
    const timer = stop && setTimeout(() => stop.abort(), ms);
    try {
      const answer = await fetch(url, stop ? {...options, signal: stop.signal} : options);
      return {answer, text: await answer.text()};
    } finally { clearTimeout(timer); }
  }
  const SIGNED_OUT = new Set(["not_authenticated", "authentication_failed"]);
  async function api(method, url, {json, data, key, size} = {}) {
    const headers = {"X-CSRFToken": csrf, "Accept": "application/json"};
    if (key) headers["Idempotency-Key"] = key;
    if (json !== undefined) headers["Content-Type"] = "application/json";
    let answer, text;
    try {
      ({answer, text} = await fetchWithin(url, {method, headers, body: json !== undefined ? json : data,
        credentials: "same-origin"}, timeoutFor(size)));
    } catch {
      throw new Retry("no answer");  // offline, timed out, or the answer was lost: the same request goes again
    }
    let body = null;
    try { body = JSON.parse(text); } catch { if (answer.ok) throw new Retry("a garbled answer"); }
    if (answer.ok) return body;
    const code = body && body.code;
    if ((answer.status === 401 || answer.status === 403)
        && (SIGNED_OUT.has(code) || /CSRF/i.test((body && body.message) || ""))) {
      throw new Retry("the session has ended: sign in again (in another tab) and this page sends what it keeps.", true);
    }
    // Not the API's own refusal (a proxy's page, a captive portal, a timeout): nothing was judged; try again.
    if (answer.status >= 500 || answer.status === 429 || answer.status === 408 || !code || !body.message
        || code === "idempotency_in_progress" || code === "upload_changed") throw new Retry(code || `HTTP ${answer.status}`);
    throw new Refused(answer.status, body);
  }
  async function sendPhoto(url, p, persist) {
    // One photo: ask for an upload (JSON) and post it to the storage's presigned form, then confirm; or, where
    // the server keeps photos itself (or this page cannot hash: no crypto.subtle), upload it to the API.
    let blob;
    try { blob = await getPhoto(p.id); } catch { throw new Retry("the photo could not be read on this phone"); }
    if (!blob) { p.done = true; p.gone = true; p.error = `${p.name}: this photo is no longer on this phone.`; return; }
    try {
      if (!p.ev) {
        if (subtle && !p.multipart) {
          if (!p.sha256) {
            const digest = await subtle.digest("SHA-256", await new Response(blob).arrayBuffer());  // Blob.arrayBuffer: Safari 14+
            p.sha256 = [...new Uint8Array(digest)].map(b => b.toString(16).padStart(2, "0")).join("");
            persist();
          }
          const ask = {content_type: p.type, size: p.size, sha256: p.sha256};
          if (p.criterion) ask.criterion = p.criterion;
          try {
            const answer = await api("POST", url, {json: JSON.stringify(ask), key: p.reqKey});
            p.ev = answer.id; p.form = answer.upload; persist();
          } catch (error) {
            if (!(error instanceof Refused && error.body.code === "direct_upload_unavailable")) throw error;
            p.multipart = true; p.reqKey = uuid(); persist();  // another request: a key of its own
          }
        }
        if (!p.ev) {
          const data = new FormData();
          if (p.criterion) data.append("criterion", p.criterion);
          if (p.sha256) data.append("sha256", p.sha256);
          data.append("file", blob, p.name);
          const answer = await api("POST", url, {data, key: p.reqKey, size: p.size});
          p.ev = answer.id; p.status = answer.status; p.warning = answer.capture_warning || null; p.done = true;
          return;
        }
      }
      if (!p.uploaded) {
        // By this phone's clock (which may be wrong: after two renewals the storage judges the form itself).
        if (!p.form || ((p.expiries || 0) < 2 && Date.parse(p.form.expires_at) < Date.now() + 15000)) {
          return renew(url, p, persist, 0, true);
        }
        const data = new FormData();
        for (const [name, value] of Object.entries(p.form.fields)) data.append(name, value);
        data.append("file", blob, p.name);
        let answer, text;
        try { ({answer, text} = await fetchWithin(p.form.url, {method: "POST", body: data}, timeoutFor(p.size))); } catch {
          // The API answered a moment ago: a storage that keeps failing while the phone is online is refusing this
          // page (its CORS), not a bad line; said so, and still retried.
          if (navigator.onLine) p.storageFailures = (p.storageFailures || 0) + 1;
          throw new Retry(p.storageFailures >= 3 ? "storage" : "upload");
        }
        const s3code = (/<Code>([^<]*)<\/Code>/.exec(text) || [])[1] || "";
        if (answer.status >= 500 || answer.status === 429 || answer.status === 408 || s3code === "RequestTimeout"
            || s3code === "SlowDown") throw new Retry(`storage HTTP ${answer.status}`);
        // An expired form is asked for again without counting; only a real refusal counts toward the limit.
        if (!answer.ok) return renew(url, p, persist, answer.status, /expired/i.test(text));
        p.uploaded = true; persist();
      }
      try {
        const answer = await api("POST", `/api/v1/evidence/${p.ev}/confirm/`, {key: p.confKey});
        p.status = answer.status; p.warning = answer.capture_warning || null; p.done = true;
      } catch (error) {
        if (error instanceof Refused && error.body.code === "not_uploaded") { p.uploaded = false; persist(); throw new Retry("upload again"); }
        throw error;
      }
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      p.done = true; p.error = `${p.name}: ${error.message}`;
    }
  }
  function renew(url, p, persist, status, expired) {
    // The upload form expired (or the storage refused it): asking again with a new key hands back the same
    // pending evidence with a fresh form. Expiries are not refusals: only refusals count toward giving up.
    if (expired) p.expiries = (p.expiries || 0) + 1; else p.renewals = (p.renewals || 0) + 1;
    if (p.expiries > 6) { p.expiries = 2; throw new Retry("upload form"); }  // no loop: wait, then ask again
    if (p.renewals > 3) throw new Refused(status || 403, {message: gettext("the storage refused the photo.")});
    p.reqKey = uuid(); p.ev = null; p.form = null; persist();
    return sendPhoto(url, p, persist);
  }

  return {uuid, photoType, preview, putPhoto, getPhoto, dropPhoto, Retry, Refused, api, sendPhoto};
};
