/* /app/audits/new/: an audit or a mystery shop, sent with the API a phone app uses, as /app/today/ sends a check.
 *
 * Every criterion starts "not observed"; what the visitor saw is given once marked "Observed". Nothing is lost on a
 * bad line: the answers are kept in localStorage (keyed by user, site and date), the photos as Blobs in IndexedDB
 * (today-store.js and today-client.js, shared with /app/today/, imported as they are). When "Send" is pressed the
 * body, its client_id and the Idempotency-Key of every request to come are made once and saved with the draft
 * BEFORE the first attempt: every retry (no answer, a 5xx, a 429, with backoff; the `online` event; a reload)
 * sends the same bytes with the same keys, so the server stores one audit however often it hears it. The photos
 * go to /api/v1/audits/{id}/evidence/ once the audit is stored. No library, no build step. */
(() => {
  "use strict";
  const root = document.getElementById("audit");
  if (!root) return;
  // The page's words in the person's language: Django's JavaScriptCatalog (loaded before this script) gives
  // gettext and ngettext; without it (not loaded on a bad line) the English stands.
  const gettext = window.gettext || (s => s);
  const ngettext = window.ngettext || ((one, many, n) => (n === 1 ? one : many));
  const pgettext = window.pgettext || ((_context, s) => s);
  const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_m, k) => values[k]);
  const cfg = root.dataset;
  const {uuid, photoType, preview, putPhoto, getPhoto, dropPhoto, Retry, Refused, api, sendPhoto} = window.touchpointClient(cfg.csrf);
  const store = window.touchpointStore;
  const form = document.getElementById("audit-form");
  const statusEl = document.getElementById("audit-status");
  const PREFIX = `touchpoint:audit:${cfg.user}:`;
  const STORE = `${PREFIX}${cfg.site}:${cfg.date}`;
  const FAILED = `touchpoint:audit-failed:${cfg.user}`;  // photos the server refused, kept until dismissed
  const $ = (sel, from = document) => from.querySelector(sel);
  const say = text => { if (statusEl.textContent !== text) statusEl.textContent = text; };
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    node.append(...children.filter(c => c !== null && c !== undefined));
    return node;
  }
  const clear = (node, ...children) => { node.textContent = ""; node.append(...children); };

  const fresh = () => ({kind: "", visit: "", observed: {}, values: {}, notes: {}, photos: {}, sub: null});
  let draft = {...fresh(), ...store.read(STORE, fresh())};
  let kept = true;
  const save = () => {
    kept = store.write(STORE, draft);
    if (!kept) say(gettext("This phone cannot keep the answers: keep this page open until they are sent."));
    return kept;
  };
  const backoff = job => Math.min(20, 2 ** Math.min(job.attempt++, 5)) * (0.75 + Math.random() / 2);

  /* --- the form mirrors the draft -------------------------------------------------------------- */
  const criteria = form ? [...form.querySelectorAll("fieldset.crit")] : [];
  const fieldsetOf = key => document.getElementById(`c-${key}`);
  const promptOf = key => { const fs = fieldsetOf(key); return fs ? $("legend", fs).firstChild.textContent.trim() : key; };
  const kindInput = () => form && ($("input[name=kind]:checked", form) || $("input[name=kind][type=hidden]", form));
  function valueOf(fs) {
    if (fs.dataset.kind === "number") return $("input[type=number]", fs).value;
    const checked = $(`input[name="v-${fs.dataset.key}"]:checked`, fs);
    return checked ? checked.value : "";
  }
  function showObserved(fs) {
    const seen = Boolean(draft.observed[fs.dataset.key]);
    $(".observed", fs).hidden = !seen;
    fs.classList.toggle("seen", seen);
  }
  function observedCount() { return criteria.filter(fs => draft.observed[fs.dataset.key]).length; }
  function sayCount() {
    const n = observedCount();
    say(n ? fill(gettext("%(observed)s of %(count)s criteria observed. Saved on this phone."),
      {observed: n, count: criteria.length})
      : gettext("Nothing observed yet. Your answers are kept on this phone until they are sent."));
  }
  function restore() {
    if (!form) return;
    if (draft.kind) for (const r of form.querySelectorAll("input[name=kind][type=radio]")) r.checked = r.value === draft.kind;
    if (draft.visit) $("#visited-at").value = draft.visit;
    for (const fs of criteria) {
      const key = fs.dataset.key, value = draft.values[key], note = draft.notes[key];
      for (const r of fs.querySelectorAll(`input[name="o-${key}"]`)) r.checked = (r.value === "1") === Boolean(draft.observed[key]);
      if (value !== undefined) {
        if (fs.dataset.kind === "number") $("input[type=number]", fs).value = value;
        else for (const r of fs.querySelectorAll(`input[name="v-${key}"]`)) r.checked = r.value === value;
      }
      if (note !== undefined) $("textarea", fs).value = note;
      showObserved(fs);
      if ((draft.photos[key] || []).length) showPhotos(key);
    }
    if (observedCount() && !draft.sub) say(fill(gettext("Saved on this phone: your answers from before are back (%(observed)s observed)."),
      {observed: observedCount()}));
  }
  async function showPhotos(key) {
    const list = document.getElementById(`ph-${key}`), items = [];
    if (!list) return;
    for (const p of draft.photos[key] || []) {
      let blob = null, unread = false;
      try { blob = await getPhoto(p.id); } catch { unread = true; }
      const remove = el("button", {type: "button", class: "link-dark", "aria-label": fill(gettext("Remove photo %(name)s"), {name: p.name})},
        gettext("Remove"));
      remove.addEventListener("click", () => {
        draft.photos[key] = draft.photos[key].filter(q => q.id !== p.id);
        dropPhoto(p.id); save(); showPhotos(key);
      });
      items.push(el("li", {}, blob ? preview(blob, p.type) : null,
        el("span", {}, `${p.name} (${Math.round(p.size / 1024)} kB)${blob ? "" : unread ? gettext(": kept, but not readable just now")
          : gettext(": no longer on this phone")}`),
        draft.sub ? null : remove));
    }
    list.setAttribute("aria-label", gettext("Photos kept for this criterion"));
    clear(list, ...items);
  }
  async function onEdit(event) {
    const target = event.target, fs = target.closest("fieldset.crit");
    if (draft.sub) return;
    if (target.name === "kind") draft.kind = target.value;
    else if (target.id === "visited-at") draft.visit = target.value;
    else if (!fs) return;
    else if (target.name === `o-${fs.dataset.key}`) {
      draft.observed[fs.dataset.key] = target.value === "1";
      if (!draft.observed[fs.dataset.key]) delete draft.observed[fs.dataset.key];
      showObserved(fs);
      fs.classList.remove("invalid");
    } else if (target.type === "file") {
      if (event.type !== "change" || !target.files.length) return;
      const key = fs.dataset.key;
      let refused = null;
      for (const file of target.files) {
        const id = uuid();
        try { await putPhoto(id, file); } catch (e) { refused = e; break; }
        (draft.photos[key] = draft.photos[key] || []).push({id, name: file.name || "photo.jpg",
          type: photoType(file), size: file.size});
      }
      target.value = "";
      showPhotos(key);
      if (refused) {
        save();
        say(fill(gettext("This phone could not keep the photo (%(error)s); free some space and try again."),
          {error: refused.message || refused}));
        return;
      }
    } else if (target.tagName === "TEXTAREA") draft.notes[fs.dataset.key] = target.value;
    else draft.values[fs.dataset.key] = valueOf(fs);
    draft.at = new Date().toISOString();
    if (save()) sayCount();
  }
  if (form) {
    form.addEventListener("input", onEdit);
    form.addEventListener("change", onEdit);
    form.addEventListener("submit", onSubmit);
  }

  /* --- the visit's time: the site's wall clock on the visit's date, as an instant ------------------ */
  function offsetAt(ms) {
    // How far the site's wall clock is ahead of UTC at instant ``ms`` (in ms), read through Intl.
    const parts = {};
    for (const {type, value} of new Intl.DateTimeFormat("en-US", {timeZone: cfg.tz, hourCycle: "h23", year: "numeric",
      month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit"}).formatToParts(new Date(ms))) parts[type] = value;
    return Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour % 24, +parts.minute, +parts.second) - ms;
  }
  function visitInstant(hhmm) {
    const [y, m, d] = cfg.date.split("-").map(Number), [hh, mm] = hhmm.split(":").map(Number);
    const wall = Date.UTC(y, m - 1, d, hh, mm);
    let at = wall - offsetAt(wall);
    at = wall - offsetAt(at);  // once more: the offset of the instant itself (a day the clocks change)
    return new Date(at).toISOString();
  }

  /* --- sending the visit ----------------------------------------------------------------------- */
  function clearErrors() {
    for (const p of document.querySelectorAll("#audit-form .field-error")) { p.hidden = true; p.textContent = ""; }
    for (const fs of criteria) fs.classList.remove("invalid");
  }
  function showError(key, message) {
    let where = key ? document.getElementById(`e-${key}`) : null;
    if (!where && key && fieldsetOf(key)) {
      where = el("p", {class: "field-error", id: `e-${key}`, hidden: ""});
      fieldsetOf(key).append(where);
    }
    const box = where || $("#e-form");
    box.textContent = box.hidden || !box.textContent ? message : `${box.textContent} ${message}`;
    box.hidden = false;
    if (key && fieldsetOf(key)) fieldsetOf(key).classList.add("invalid");
  }
  function focusField(key) {
    const fs = key && fieldsetOf(key);
    const control = fs ? ($(".observed:not([hidden]) input, .observed:not([hidden]) textarea", fs) || $("input", fs))
      : key === "visited_at" ? $("#visited-at") : null;
    const target = control || $("#e-form");
    target.scrollIntoView({block: "center"});
    if (control) control.focus(); else { target.setAttribute("tabindex", "-1"); target.focus(); }
  }
  function onSubmit(event) {
    event.preventDefault();
    if (draft.sub) { job.attempt = 0; pump(); return; }
    clearErrors();
    const results = [], missing = [];
    for (const fs of criteria) {
      const key = fs.dataset.key;
      if (!draft.observed[key]) continue;
      const raw = valueOf(fs);
      const value = fs.dataset.kind === "boolean" ? raw === "true" : Number(raw);
      if (raw === "" || !Number.isFinite(Number(value))) { missing.push(key); continue; }
      results.push({criterion: key, value, note: $("textarea", fs).value});
    }
    for (const key of missing) showError(key, gettext("Say what you observed, or mark it “Not observed”."));
    if (!results.length && !missing.length) {
      const message = gettext("Nothing observed: mark at least one criterion “Observed” and say what you saw before sending.");
      showError(null, message);
      say(fill(gettext("Not sent: %(error)s"), {error: message}));
      focusField(null);
      return;
    }
    if (missing.length) {
      say(fill(ngettext("Not sent: %(count)s observed criterion has no answer (marked below).",
        "Not sent: %(count)s observed criteria have no answer (marked below).", missing.length), {count: missing.length}));
      focusField(missing[0]);
      return;
    }
    const kind = kindInput();
    draft.clientId = draft.clientId || uuid();
    const body = {date: cfg.date, performed_at: new Date().toISOString(), client_id: draft.clientId,
      kind: kind ? kind.value : "mystery_shop", results};
    const visit = $("#visited-at").value;
    if (visit) body.visited_at = visitInstant(visit);
    // Made once, saved before the first attempt: every retry, after a reload too, sends these bytes and keys.
    const photos = [];
    for (const [criterion, list] of Object.entries(draft.photos)) {
      if (!draft.observed[criterion]) continue;  // a photo of what was not observed has no result to belong to
      for (const p of list) photos.push({...p, criterion, reqKey: uuid(), confKey: uuid()});
    }
    draft.sub = {key: uuid(), body: JSON.stringify(body), photos, audit: null};
    save();
    job.attempt = 0;
    pump();
  }

  const job = {attempt: 0, busy: false, timer: null};
  async function postAudit(sub) {
    try {
      return await api("POST", `/api/v1/sites/${cfg.site}/audits/`, {json: sub.body, key: sub.key});
    } catch (error) {
      // Our own audit is already stored (its key expired, or the answer was lost): it is named in the refusal.
      const named = error instanceof Refused && error.body.code === "duplicate_client_id"
        && /(?:audit|Audit)\D*(\d+)/.exec(error.body.message || "");
      if (!named) throw error;
      return api("GET", `/api/v1/audits/${named[1]}/`);
    }
  }
  async function pump() {
    const sub = draft.sub, persist = () => save();
    if (job.busy || !sub) return;
    job.busy = true; clearTimeout(job.timer);
    lock();
    try {
      say(gettext("Sending…"));
      if (!sub.audit) {
        const stored = await postAudit(sub);
        sub.audit = {id: stored.id};
        persist();
      }
      const todo = sub.photos.filter(p => !p.done);
      for (const [i, p] of todo.entries()) {
        say(fill(gettext("Sending… photo %(number)s of %(count)s."), {number: i + 1, count: todo.length}));
        await sendPhoto(`/api/v1/audits/${sub.audit.id}/evidence/`, p, persist);
        persist();
      }
      const audit = await api("GET", `/api/v1/audits/${sub.audit.id}/`);
      job.attempt = 0;
      finish(audit, sub);
    } catch (error) {
      if (error instanceof Retry) {
        const wait = backoff(job);
        const seconds = Math.round(wait);
        say(error.signIn ? fill(gettext("Not sent yet: %(error)s It is kept; it goes once you are signed in."),
          {error: error.message})
          : error.message === "storage"
            ? fill(gettext("Waiting for the photo storage, which does not answer this page; will retry in %(seconds)s s. The visit is stored."), {seconds})
            : `${fill(gettext("Waiting for signal, will retry in %(seconds)s s."), {seconds})} ${kept
              ? gettext("Your answers are saved on this phone.") : gettext("Keep this page open.")}`);
        job.timer = setTimeout(pump, (error.signIn ? 30 : wait) * 1000);
      } else if (error instanceof Refused && !sub.audit) {
        draft.sub = null; persist();
        lock();
        showRefusal(error, JSON.parse(sub.body));
      } else {
        say(fill(gettext("Not sent: %(error)s"), {error: error.message}));
      }
    } finally { job.busy = false; lock(); }
  }
  function lock() {
    if (!form) return;
    for (const fs of form.querySelectorAll("fieldset")) fs.disabled = Boolean(draft.sub);
    $("#visited-at").disabled = Boolean(draft.sub);
    const button = $("button[type=submit]", form);
    button.dataset.label = button.dataset.label || button.textContent;
    button.disabled = job.busy;
    button.textContent = !draft.sub ? button.dataset.label : job.busy ? gettext("Sending…") : gettext("Try again now");
  }
  function showRefusal(error, body) {
    const errors = error.body.errors || [error.body];
    let first;
    for (const e of errors) {
      const at = /^results\[(\d+)\]/.exec(e.field || "");
      const key = at && body.results[Number(at[1])] ? body.results[Number(at[1])].criterion
        : e.field === "visited_at" ? "visited_at" : null;
      showError(key, e.message || error.message);
      if (first === undefined) first = key;
    }
    say(fill(gettext("Not sent: %(error)s"), {error: error.message}));
    focusField(first);
  }

  /* --- what the answer says --------------------------------------------------------------------- */
  function shown(r) {
    const fs = fieldsetOf(r.criterion), kind = fs ? fs.dataset.kind : "";
    if (kind === "boolean") return r.value ? gettext("yes") : gettext("no");
    if (kind === "score") return `${r.value} / 5`;
    const unit = fs ? $(".unit", fs).textContent : "";
    return `${r.value} ${unit}`.trim();
  }
  function finish(audit, sub) {
    const box = $("#audit-result"), inner = $("div", box);
    const results = audit.results || [];
    const failed = results.filter(r => !r.passed);
    const photoErrors = sub.photos.filter(p => p.error).map(p => p.error);
    const sent = sub.photos.filter(p => p.done && !p.error).length;
    const parts = [el("p", {}, `${gettext("Score")} `,
      el("strong", {}, `${Math.round((audit.score || 0) * 100)}${pgettext("a percent sign after a number", "%")}`),
      ` ${fill(ngettext("over %(count)s criterion observed; %(failed)s not met.",
        "over %(count)s criteria observed; %(failed)s not met.", results.length), {count: results.length, failed: failed.length})}`
      + (sent ? ` ${fill(ngettext("%(count)s photo sent.", "%(count)s photos sent.", sent), {count: sent})}` : ""))];
    if (failed.length) {
      parts.push(el("h3", {}, gettext("Not met")), el("ul", {class: "results"}, ...failed.map(r => el("li", {},
        el("span", {class: "badge fail"}, gettext("fail")), ` ${promptOf(r.criterion)}: `, el("strong", {}, shown(r))))));
    }
    if (photoErrors.length) {
      parts.push(el("h3", {}, gettext("Photos not accepted")), el("ul", {class: "error"}, ...photoErrors.map(m => el("li", {}, m))));
    }
    parts.push(el("p", {}, el("a", {href: `/app/audits/${audit.id}/`}, fill(gettext("Open audit %(id)s"), {id: audit.id})), " · ",
      el("a", {href: location.pathname + location.search}, gettext("Start another visit"))));
    try {
      clear(inner, ...parts);
      box.insertBefore(statusEl, inner);
      box.hidden = false;
      form.hidden = true;
      say(fill(gettext("Sent: audit %(id)s is stored."), {id: audit.id}));
      box.focus();
    } finally {
      // A photo leaves the phone once confirmed (or when its criterion was not observed); a refused one is kept
      // until the visitor has seen it and dismissed it.
      const refused = sub.photos.filter(p => p.error && !p.gone);
      const keepIds = new Set(refused.map(p => p.id));
      for (const list of Object.values(draft.photos)) for (const p of list) if (!keepIds.has(p.id)) dropPhoto(p.id);
      if (refused.length) store.write(FAILED, [...store.read(FAILED, []), ...refused]);
      store.remove(STORE);
      draft = fresh();
      showFailed();
    }
  }
  function showFailed() {
    const failed = store.read(FAILED, []);
    let box = $("#failed-photos");
    if (!failed.length) { if (box) box.remove(); return; }
    if (!box) {
      box = el("section", {class: "card", id: "failed-photos", "aria-labelledby": "failed-h"});
      root.insertBefore(box, $("#audit-result"));
    }
    clear(box, el("h2", {id: "failed-h"}, gettext("Photos not accepted, kept on this phone")), el("ul", {}, ...failed.map(p => {
      const dismiss = el("button", {type: "button", class: "link-dark", "aria-label": fill(gettext("Dismiss %(name)s"), {name: p.name})},
        gettext("Dismiss"));
      dismiss.addEventListener("click", () => {
        dropPhoto(p.id);
        store.write(FAILED, store.read(FAILED, []).filter(q => q.id !== p.id));
        showFailed();
      });
      return el("li", {}, `${p.error} `, dismiss);
    })));
  }

  /* --- other visits kept on this phone: offered, so none is forgotten ---------------------------- */
  function offerOthers() {
    const box = $("#other-drafts"), items = [];
    for (const key of store.keys()) {
      if (!key.startsWith(PREFIX) || key === STORE) continue;
      const [site, day] = key.slice(PREFIX.length).split(":");
      const other = store.read(key, null);
      if (!other || !site || !/^\d{4}-\d{2}-\d{2}$/.test(day || "")) continue;
      const seen = Object.keys(other.observed || {}).length;
      if (!other.sub && !seen) { store.remove(key); continue; }
      const link = el("a", {href: `?site=${encodeURIComponent(site)}&date=${day}`}, fill(gettext("%(site)s on %(day)s"), {site, day}));
      items.push(el("li", {}, link, other.sub ? gettext(": being sent; open it to finish sending.")
        : fill(gettext(": %(observed)s observed, not sent."), {observed: seen})));
    }
    if (!items.length) return;
    clear($("ul", box), ...items);
    box.hidden = false;
  }

  window.addEventListener("online", () => { job.attempt = 0; pump(); });
  offerOthers();
  restore();
  showFailed();
  if (draft.sub) pump();
})();
