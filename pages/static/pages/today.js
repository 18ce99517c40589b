/* /app/today/: the manager's checklist, sent with the API a phone app uses (the page is its reference client).
 *
 * Nothing is lost on a bad line. Values and notes are kept in localStorage (keyed by user, site and day), the
 * chosen photos as Blobs in IndexedDB. When "Send" is pressed, the body, its client_id and the Idempotency-Key
 * of every request to come are made once and saved with the draft BEFORE the first attempt: every retry (after
 * a network error, a 5xx or a 429, with backoff, and after a reload) sends the same bytes with the same key, so
 * the server stores one check however often it hears it. 4xx answers are shown next to the field they name.
 * The protocol itself (requests, retries told from refusals, photos) is in today-client.js. No library, no build
 * step. */
(() => {
  "use strict";
  const root = document.getElementById("today");
  if (!root) return;
  // The page's words in the person's language: Django's JavaScriptCatalog (loaded before this script) gives
  // gettext and ngettext; without it (not loaded on a bad line) the English stands.
  const gettext = window.gettext || (s => s);
  const ngettext = window.ngettext || ((one, many, n) => (n === 1 ? one : many));
  const pgettext = window.pgettext || ((_context, s) => s);
  const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_m, k) => values[k]);
  const cfg = root.dataset;
  const client = window.touchpointClient(cfg.csrf);
  const {uuid, putPhoto, getPhoto, dropPhoto, Retry, Refused, api, sendPhoto} = client;
  const form = document.getElementById("checklist");
  const statusEl = document.getElementById("today-status");
  const STORE = `touchpoint:today:${cfg.user}:${cfg.site}:${cfg.date}`;
  const FAILED = `touchpoint:failed:${cfg.user}:${cfg.site}`;
  const $ = (sel, from = document) => from.querySelector(sel);
  // Said once per change: the same words written again would be announced again, at every keystroke.
  const say = text => { if (statusEl.textContent !== text) statusEl.textContent = text; };
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    node.append(...children.filter(c => c !== null && c !== undefined));
    return node;
  }

  const store = window.touchpointStore;
  const read = store.read;
  const fresh = () => ({values: {}, notes: {}, photos: {}, reason: "", sub: null});
  let draft = read(STORE, fresh());
  let kept = true;  // false: this phone refuses to keep them (full, or blocked): they live in this page only
  function keep(key, value) {
    kept = store.write(key, value);
    if (!kept) say(gettext("This phone cannot keep the answers: keep this page open until they are sent."));
    return kept;
  }
  const save = () => keep(STORE, draft);

  // The site's day now: a tab left open overnight must not send this morning's answers under yesterday's date.
  function siteDay() {
    try {
      const parts = {};
      for (const {type, value} of new Intl.DateTimeFormat("en-US", {timeZone: cfg.tz, year: "numeric",
        month: "2-digit", day: "2-digit"}).formatToParts(new Date())) parts[type] = value;
      return `${parts.year}-${parts.month}-${parts.day}`;
    } catch { return cfg.date; }
  }
  const newDay = () => siteDay() !== cfg.date;
  const backoff = job => Math.min(20, 2 ** Math.min(job.attempt++, 5)) * (0.75 + Math.random() / 2);

  /* --- the form mirrors the draft -------------------------------------------------------------- */
  const criteria = form ? [...form.querySelectorAll("fieldset.crit")] : [];
  const fieldsetOf = key => document.getElementById(`c-${key}`);
  const promptOf = key => { const fs = fieldsetOf(key); return fs ? $("legend", fs).firstChild.textContent.trim() : key; };
  function valueOf(fs) {
    if (fs.dataset.kind === "number") return $("input[type=number]", fs).value;
    const checked = $("input[type=radio]:checked", fs);
    return checked ? checked.value : "";
  }
  function restore() {
    for (const fs of criteria) {
      const key = fs.dataset.key, value = draft.values[key], note = draft.notes[key];
      if (value !== undefined) {
        if (fs.dataset.kind === "number") $("input[type=number]", fs).value = value;
        else for (const r of fs.querySelectorAll("input[type=radio]")) r.checked = r.value === value;
      }
      if (note !== undefined) $("textarea", fs).value = note;
      if ((draft.photos[key] || []).length) { const d = $("details", fs); if (d) d.open = true; showPhotos(key); }
    }
    const reason = $("#reason");
    if (reason && draft.reason) reason.value = draft.reason;
    const touched = Object.keys(draft.values).length || Object.keys(draft.photos).length;
    if (touched && $("#amend")) $("#amend").open = true;
    if (touched && !draft.sub) say(gettext("Saved on this phone: your answers from before are back."));
  }
  async function showPhotos(key) {
    const list = document.getElementById(`ph-${key}`), items = [];
    for (const p of draft.photos[key] || []) {
      let blob = null, unread = false;
      try { blob = await getPhoto(p.id); } catch { unread = true; }
      const remove = el("button", {type: "button", class: "link-dark", "aria-label": fill(gettext("Remove photo %(name)s"), {name: p.name})},
        gettext("Remove"));
      remove.addEventListener("click", () => {
        draft.photos[key] = draft.photos[key].filter(q => q.id !== p.id);
        dropPhoto(p.id); save(); showPhotos(key); say(gettext("Saved on this phone."));
      });
      items.push(el("li", {}, blob ? client.preview(blob, p.type) : null,
        el("span", {}, `${p.name} (${Math.round(p.size / 1024)} kB)${blob ? "" : unread ? gettext(": kept, but not readable just now")
          : gettext(": no longer on this phone")}`),
        draft.sub ? null : remove));
    }
    list.setAttribute("aria-label", gettext("Photos kept for this criterion"));  // set here: 40 empty lists weigh on the page
    clear(list, ...items);  // at once: two calls in flight cannot interleave their items
  }
  if (form) {
    form.addEventListener("input", onEdit);
    form.addEventListener("change", onEdit);
    form.addEventListener("submit", onSubmit);
  }
  async function onEdit(event) {
    const target = event.target, fs = target.closest("fieldset.crit");
    if (target.id === "reason") draft.reason = target.value;
    else if (!fs) return;
    else if (target.type === "file") {
      if (event.type !== "change" || !target.files.length) return;
      const key = fs.dataset.key;
      let refused = null;
      for (const file of target.files) {
        const id = uuid();
        try { await putPhoto(id, file); } catch (e) { refused = e; break; }  // those kept before it stay listed
        (draft.photos[key] = draft.photos[key] || []).push({id, name: file.name || "photo.jpg",
          type: client.photoType(file), size: file.size});
      }
      target.value = "";  // kept in IndexedDB now; the list below the field shows it
      showPhotos(key);
      if (refused) {
        save(); say(fill(gettext("This phone could not keep the photo (%(error)s); free some space and try again."),
          {error: refused.message || refused}));
        return;
      }
    } else if (target.tagName === "TEXTAREA") draft.notes[fs.dataset.key] = target.value;
    else draft.values[fs.dataset.key] = valueOf(fs);
    draft.at = new Date().toISOString();  // when it was answered: an earlier day's draft is sent with it
    if (!draft.sub) { if (save()) say(gettext("Saved on this phone.")); }
  }

  /* --- sending the check ----------------------------------------------------------------------- */
  function clearErrors() {
    for (const p of document.querySelectorAll("#checklist .field-error")) { p.hidden = true; p.textContent = ""; }
    for (const fs of criteria) fs.classList.remove("invalid");
  }
  function showError(key, message) {
    let where = key ? document.getElementById(`e-${key}`) : null;
    if (!where && key && fieldsetOf(key)) {  // made when first needed (aria-describedby already names it)
      where = el("p", {class: "field-error", id: `e-${key}`, hidden: ""});
      fieldsetOf(key).append(where);
    }
    const box = where || $("#e-form");
    box.textContent = box.hidden || !box.textContent ? message : `${box.textContent} ${message}`;
    box.hidden = false;
    if (key && fieldsetOf(key)) fieldsetOf(key).classList.add("invalid");
    return box;
  }
  function onSubmit(event) {
    event.preventDefault();
    if (draft.sub) { today.attempt = 0; pump(); return; }
    if (newDay()) {  // kept for its own day: the reloaded page offers it
      save(); say(gettext("A new day has begun: the page reloads, and offers these answers for their own day."));
      location.reload(); return;
    }
    clearErrors();
    const results = [], missing = [];
    for (const fs of criteria) {
      const key = fs.dataset.key, raw = valueOf(fs);
      const value = fs.dataset.kind === "boolean" ? raw === "true" : Number(raw);
      if (raw === "" || !Number.isFinite(Number(value))) { missing.push(key); continue; }
      results.push({criterion: key, value, note: $("textarea", fs).value});
    }
    for (const key of missing) showError(key, gettext("Answer this before sending."));
    // One client_id per draft, whatever the re-sends: the server knows its own check by it (duplicate_client_id).
    draft.clientId = draft.clientId || uuid();
    const body = {date: cfg.date, performed_at: new Date().toISOString(), client_id: draft.clientId, results};
    if (cfg.department) body.department = cfg.department;  // department staff: their department's part
    if (form.dataset.amends) {
      body.amends = Number(form.dataset.amends);
      body.reason = ($("#reason").value || "").trim();
      if (!body.reason) { missing.push("reason"); showError("reason", gettext("Say why you amend today's check.")); }
    }
    if (missing.length) {
      say(fill(ngettext("Not sent: %(count)s answer is missing (marked below).",
        "Not sent: %(count)s answers are missing (marked below).", missing.length), {count: missing.length}));
      focusField(missing[0]);
      return;
    }
    // Made once, saved before the first attempt: every retry, even after a reload, sends these very bytes and keys.
    freeze(draft, body);
    save();  // if the phone refuses to keep it, it is sent from memory (keep() has said to keep the page open)
    today.attempt = 0;
    pump();
  }
  function freeze(d, body) {
    const photos = [];
    for (const [criterion, list] of Object.entries(d.photos)) {
      for (const p of list) photos.push({...p, criterion, reqKey: uuid(), confKey: uuid()});
    }
    d.sub = {key: uuid(), body: JSON.stringify(body), photos, check: null};
  }

  // A send in progress: today's draft (the form's), or an earlier day's (a notice of its own; see offerEarlier).
  const today = {key: STORE, get d() { return draft; }, mine: true, attempt: 0, busy: false, timer: null, say};
  async function postCheck(sub) {
    try {
      return await api("POST", `/api/v1/sites/${cfg.site}/checks/`, {json: sub.body, key: sub.key});
    } catch (error) {
      // Our own check is already stored (its Idempotency-Key expired, or was lost with the answer): it is named
      // in the refusal; read it and go on with the photos.
      const named = error instanceof Refused && error.body.code === "duplicate_client_id"
        && /Check (\d+)/.exec(error.body.message || "");
      if (!named) throw error;
      return api("GET", `/api/v1/checks/${named[1]}/`);
    }
  }
  async function pump(job = today) {
    const d = job.d, sub = d.sub, persist = () => keep(job.key, d);
    if (job.busy || !sub) return;
    job.busy = true; clearTimeout(job.timer);
    if (job.mine) lock();
    try {
      job.say(gettext("Sending…"));
      if (!sub.check) {
        sub.check = await postCheck(sub);
        persist();
      }
      const todo = sub.photos.filter(p => !p.done);
      for (const [i, p] of todo.entries()) {
        job.say(fill(gettext("Sending… photo %(number)s of %(count)s."), {number: i + 1, count: todo.length}));
        await sendPhoto(`/api/v1/checks/${sub.check.id}/evidence/`, p, persist);
        persist();
      }
      // The photos re-judge their results: read the check back as it now stands.
      const check = sub.photos.length ? await api("GET", `/api/v1/checks/${sub.check.id}/`) : sub.check;
      job.attempt = 0;
      (job.mine ? finish : job.finish)(check, sub);
    } catch (error) {
      if (error instanceof Retry) {
        const wait = backoff(job);
        const seconds = Math.round(wait);
        job.say(error.signIn ? fill(gettext("Not sent yet: %(error)s It is kept; it goes once you are signed in."),
          {error: error.message})
          : error.message === "storage"
            ? fill(gettext("Waiting for the photo storage, which does not answer this page; will retry in %(seconds)s s. The check is stored."), {seconds})
            : `${fill(gettext("Waiting for signal, will retry in %(seconds)s s."), {seconds})} ${kept
              ? gettext("Your answers are saved on this phone.") : gettext("Keep this page open.")}`);
        job.timer = setTimeout(() => pump(job), (error.signIn ? 30 : wait) * 1000);
      } else if (error instanceof Refused && !sub.check) {
        d.sub = null; persist();
        if (job.mine) {
          lock();  // the fieldsets enabled first: a control in a disabled one cannot take the focus
          showRefusal(error, JSON.parse(sub.body));
          for (const key of Object.keys(draft.photos)) showPhotos(key);
        } else job.say(fill(gettext("Not sent: %(error)s"), {error: error.message}));
      } else {
        job.say(fill(gettext("Not sent: %(error)s"), {error: error.message}));
      }
    } finally { job.busy = false; if (job.mine) lock(); else if (job.lock) job.lock(); }
  }
  function lock() {
    // While a submission is on its way the answers cannot change (it is sent as it was frozen); the button
    // comes back between attempts, to try again at once.
    if (!form) return;
    for (const fs of criteria) fs.disabled = Boolean(draft.sub);
    if ($("#reason")) $("#reason").disabled = Boolean(draft.sub);
    const button = $("button[type=submit]", form);
    button.dataset.label = button.dataset.label || button.textContent;
    button.disabled = today.busy;
    button.textContent = !draft.sub ? button.dataset.label : today.busy ? gettext("Sending…") : gettext("Try again now");
  }
  function focusField(key) {
    // The first control the manager must change: scrolled to and focused, so a screen reader lands on it.
    const fs = key && fieldsetOf(key), control = fs ? $("input, textarea", fs) : key === "reason" ? $("#reason") : null;
    const target = control || $("#e-form");
    target.scrollIntoView({block: "center"});
    if (control) control.focus();
  }
  function showRefusal(error, body) {
    const errors = error.body.errors || [error.body];
    let first;
    for (const e of errors) {
      const at = /^results\[(\d+)\]/.exec(e.field || "");
      const key = at && body.results[Number(at[1])] ? body.results[Number(at[1])].criterion
        : e.field === "reason" ? "reason" : null;
      showError(key, e.message || error.message);
      if (first === undefined) first = key;
    }
    say(fill(gettext("Not sent: %(error)s"), {error: error.message}));
    focusField(first);
  }
  const clear = (node, ...children) => { node.textContent = ""; node.append(...children); };  // replaceChildren: Chrome 86+

  /* --- what the answer says --------------------------------------------------------------------- */
  function finish(check, sub) {
    const photoErrors = sub.photos.filter(p => p.error).map(p => p.error);
    const box = $("#today-result"), inner = $("div", box);
    const failed = check.results.filter(r => !r.passed);
    const parts = [el("p", {}, `${gettext("Score")} `, el("strong", {}, `${Math.round(check.score * 100)}${pgettext("a percent sign after a number", "%")}`),
      `; ${fill(gettext("%(failed)s of %(total)s criteria not passed."), {failed: failed.length, total: check.results.length})}`)];
    if (failed.length) {
      parts.push(el("h3", {}, gettext("Not passed")), el("ul", {class: "results"}, ...failed.map(r => el("li", {},
        el("span", {class: `badge ${r.met ? "warn" : "fail"}`}, r.met ? gettext("met; photo not verified") : gettext("fail")),
        ` ${promptOf(r.criterion)}: `, el("strong", {}, shown(r))))));
    }
    if (check.actions.length) {
      parts.push(el("h3", {}, gettext("Corrective actions it opened")), el("ul", {}, ...check.actions.map(a => el("li", {"data-action": a.id},
        `${promptOf(a.criterion)}: ${gettext("due")} `, el("span", {class: "nowrap"}, a.due_on), " ",
        el("span", {class: `badge ${a.status}`}, actions.statusText(a.status))))));
    }
    if (photoErrors.length) {
      parts.push(el("h3", {}, gettext("Photos not accepted")), el("ul", {class: "error"}, ...photoErrors.map(m => el("li", {}, m))));
    }
    const retake = sub.photos.filter(p => p.warning && !p.error);  // verified, but too blurred or dark: first
    if (retake.length) parts.splice(1, 0, el("div", {class: "retake-now", role: "alert"}, el("h3", {}, gettext("Take these photos again now")),
      el("ul", {}, ...retake.map(p => el("li", {}, el("strong", {}, promptOf(p.criterion)), ` (${p.name}): ${p.warning}`))),
      el("p", {class: "small"}, gettext("They were sent, but show too little to prove anything. Amend today's check and add the new photos while you are on site."))));
    // The screen first, the draft after: whatever throws below, a stored check is never shown as "Not sent".
    try {
      clear(inner, ...parts);
      box.insertBefore(statusEl, inner);  // the form that held it is put away
      box.hidden = false;
      for (const old of [$("#today-check"), $("#amend"), form]) if (old) old.hidden = true;
      say(fill(gettext("Sent: check %(id)s is stored."), {id: check.id}));
      box.focus();
    } finally {
      forget(STORE, sub);
      draft = fresh();
      actions.refresh();
    }
  }
  function forget(key, sub) {
    // Only a photo the server confirmed leaves the phone; a refused one is kept for the manager to dismiss.
    for (const p of sub.photos) if (p.done && !p.error) dropPhoto(p.id);
    const failed = sub.photos.filter(p => p.error && !p.gone);
    if (failed.length) keep(FAILED, [...read(FAILED, []), ...failed]);
    store.remove(key);
    showFailed();
  }
  function showFailed() {
    // Photos the server refused, kept on the phone until the manager has seen them and dismissed them.
    const failed = read(FAILED, []);
    let box = $("#failed-photos");
    if (!failed.length) { if (box) box.remove(); return; }
    if (!box) {
      box = el("section", {class: "card", id: "failed-photos", "aria-labelledby": "failed-h"});
      root.insertBefore(box, $("#today-result"));
    }
    clear(box, el("h2", {id: "failed-h"}, gettext("Photos not accepted, kept on this phone")), el("ul", {}, ...failed.map(p => {
      const dismiss = el("button", {type: "button", class: "link-dark"}, gettext("Dismiss"));
      dismiss.addEventListener("click", () => {
        dropPhoto(p.id);
        store.write(FAILED, read(FAILED, []).filter(q => q.id !== p.id));
        showFailed();
      });
      return el("li", {}, `${p.error} `, dismiss);
    })));
  }
  function shown(r) {
    const fs = fieldsetOf(r.criterion), kind = fs ? fs.dataset.kind : "";
    if (kind === "boolean") return r.value ? gettext("yes") : gettext("no");
    if (kind === "score") return `${r.value} / 5`;
    const unit = fs ? $(".unit", fs).textContent : "";
    return `${r.value} ${unit}`.trim();
  }

  /* --- earlier days: a draft never sent is offered, one being sent is resumed ---------------------- */
  function offerEarlier() {
    const prefix = STORE.slice(0, -cfg.date.length);
    for (const key of store.keys()) {
      if (!key.startsWith(prefix) || key === STORE) continue;
      const old = read(key, null), day = key.slice(prefix.length);
      if (!old || !/^\d{4}-\d{2}-\d{2}$/.test(day)) continue;
      if (!old.sub && !Object.keys(old.values || {}).length && !Object.values(old.photos || {}).some(l => l.length)) {
        store.remove(key); continue;  // nothing was answered that day
      }
      const status = el("p", {role: "status"});
      const send = el("button", {type: "button", class: "primary"}, gettext("Send it"));
      const discard = el("button", {type: "button"}, gettext("Discard it"));
      const box = el("section", {class: "card late", "aria-label": fill(gettext("Unsent checklist from %(day)s"), {day})},
        el("p", {}, fill(gettext("An unsent checklist from %(day)s is on this phone: send it (it is stored for %(day)s), or discard it."), {day})),
        el("p", {}, send, " ", discard), status);
      const job = {key, d: old, mine: false, attempt: 0, busy: false, timer: null,
        say: text => { if (status.textContent !== text) status.textContent = text; },
        lock: () => { send.hidden = discard.hidden = Boolean(old.sub); },
        finish: (check, sub) => {
          clear(box, el("p", {}, fill(gettext("The checklist of %(day)s is sent: check %(id)s is stored."), {day, id: check.id})));
          forget(key, sub);
        }};
      send.addEventListener("click", () => {
        if (!old.sub) {
          // As the form sends it, for its own date; the API takes a late check (and says so if it does not).
          old.clientId = old.clientId || uuid();
          const results = Object.entries(old.values).map(([criterion, v]) => ({criterion,
            value: v === "true" ? true : v === "false" ? false : Number(v), note: (old.notes || {})[criterion] || ""}));
          freeze(old, {date: day, performed_at: old.at || new Date().toISOString(), client_id: old.clientId, results});
          keep(key, old);
        }
        job.attempt = 0; job.lock(); pump(job);
      });
      discard.addEventListener("click", () => {
        for (const list of Object.values(old.photos || {})) for (const p of list) dropPhoto(p.id);
        store.remove(key); box.remove(); say(fill(gettext("The checklist of %(day)s is discarded."), {day}));
      });
      root.insertBefore(box, $("h1", root).nextSibling);
      earlier.push(job);
      job.lock();
      if (old.sub) pump(job);  // a frozen send is resumed, whatever its date
    }
  }
  const earlier = [];
  function reloadIfNewDay() {
    if (document.visibilityState !== "hidden" && newDay() && !draft.sub && !today.busy) location.reload();
  }
  document.addEventListener("visibilitychange", reloadIfNewDay);
  window.addEventListener("pageshow", event => { if (event.persisted) reloadIfNewDay(); });

  /* --- start: put the draft back, and finish whatever was being sent ------------------------------ */
  window.addEventListener("online", () => {
    for (const job of [today, ...earlier]) { job.attempt = 0; pump(job); }
    actions.resume();
  });
  const actions = window.touchpointActions = window.touchpointActionsInit({cfg, client, el, $, clear, promptOf, say,
    read, keep, backoff});
  offerEarlier();
  restore();
  showFailed();
  if (draft.sub) pump();
  actions.resume();
})();
