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
  const cfg = root.dataset;
  const {uuid, putPhoto, getPhoto, dropPhoto, Retry, Refused, api, sendPhoto} = window.touchpointClient(cfg.csrf);
  const form = document.getElementById("checklist");
  const statusEl = document.getElementById("today-status");
  const STORE = `touchpoint:today:${cfg.user}:${cfg.site}:${cfg.date}`;
  const ACTIONS = `touchpoint:actions:${cfg.user}:${cfg.site}`;
  const $ = (sel, from = document) => from.querySelector(sel);
  const say = text => { statusEl.textContent = text; };
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    node.append(...children.filter(c => c !== null && c !== undefined));
    return node;
  }

  const read = (key, empty) => { try { return JSON.parse(localStorage.getItem(key)) || empty; } catch { return empty; } };
  const fresh = () => ({values: {}, notes: {}, photos: {}, reason: "", sub: null});
  let draft = read(STORE, fresh());
  const resolves = read(ACTIONS, {});
  function keep(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); return true; }
    catch { say("This phone has no room left to keep the answers: send them now."); return false; }
  }
  const save = () => keep(STORE, draft);
  const saveResolves = () => keep(ACTIONS, resolves);

  let attempt = 0;
  const backoff = () => Math.min(20, 2 ** Math.min(attempt++, 5)) * (0.75 + Math.random() / 2);

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
    if (touched && !draft.sub) say("Saved on this phone: your answers from before are back.");
  }
  async function showPhotos(key) {
    const list = document.getElementById(`ph-${key}`), items = [];
    for (const p of draft.photos[key] || []) {
      let blob = null, unread = false;
      try { blob = await getPhoto(p.id); } catch { unread = true; }
      const remove = el("button", {type: "button", class: "link-dark", "aria-label": `Remove photo ${p.name}`}, "Remove");
      remove.addEventListener("click", () => {
        draft.photos[key] = draft.photos[key].filter(q => q.id !== p.id);
        dropPhoto(p.id); save(); showPhotos(key); say("Saved on this phone.");
      });
      items.push(el("li", {}, blob ? el("img", {src: URL.createObjectURL(blob), alt: ""}) : null,
        el("span", {}, `${p.name} (${Math.round(p.size / 1024)} kB)${blob ? "" : unread ? ": kept, but not readable just now" : ": no longer on this phone"}`),
        draft.sub ? null : remove));
    }
    list.replaceChildren(...items);  // at once: two calls in flight cannot interleave their items
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
      for (const file of target.files) {
        const id = uuid();
        try { await putPhoto(id, file); } catch (e) {
          say(`This phone could not keep the photo (${e.message || e}); free some space and try again.`); return;
        }
        (draft.photos[key] = draft.photos[key] || []).push({id, name: file.name || "photo.jpg",
          type: file.type || "image/jpeg", size: file.size});
      }
      target.value = "";  // kept in IndexedDB now; the list below the field shows it
      showPhotos(key);
    } else if (target.tagName === "TEXTAREA") draft.notes[fs.dataset.key] = target.value;
    else draft.values[fs.dataset.key] = valueOf(fs);
    if (!draft.sub) { if (save()) say("Saved on this phone."); }
  }

  /* --- sending the check ----------------------------------------------------------------------- */
  function clearErrors() {
    for (const p of document.querySelectorAll("#checklist .field-error")) { p.hidden = true; p.textContent = ""; }
    for (const fs of criteria) fs.classList.remove("invalid");
  }
  function showError(key, message) {
    const where = key ? document.getElementById(`e-${key}`) : null;
    const box = where || $("#e-form");
    box.textContent = box.hidden || !box.textContent ? message : `${box.textContent} ${message}`;
    box.hidden = false;
    if (key && fieldsetOf(key)) fieldsetOf(key).classList.add("invalid");
    return box;
  }
  function onSubmit(event) {
    event.preventDefault();
    if (draft.sub) { attempt = 0; pump(); return; }
    clearErrors();
    const results = [], missing = [];
    for (const fs of criteria) {
      const key = fs.dataset.key, raw = valueOf(fs);
      const value = fs.dataset.kind === "boolean" ? raw === "true" : Number(raw);
      if (raw === "" || !Number.isFinite(Number(value))) { missing.push(key); continue; }
      results.push({criterion: key, value, note: $("textarea", fs).value});
    }
    for (const key of missing) showError(key, "Answer this before sending.");
    const body = {date: cfg.date, performed_at: new Date().toISOString(), client_id: uuid(), results};
    if (form.dataset.amends) {
      body.amends = Number(form.dataset.amends);
      body.reason = ($("#reason").value || "").trim();
      if (!body.reason) { missing.push("reason"); showError("reason", "Say why you amend today's check."); }
    }
    if (missing.length) {
      say(`Not sent: ${missing.length} answer${missing.length > 1 ? "s are" : " is"} missing (marked below).`);
      (fieldsetOf(missing[0]) || $("#reason")).scrollIntoView({block: "center"});
      const first = fieldsetOf(missing[0]); (first ? $("input, textarea", first) : $("#reason")).focus();
      return;
    }
    const photos = [];
    for (const [criterion, list] of Object.entries(draft.photos)) {
      for (const p of list) photos.push({...p, criterion, reqKey: uuid(), confKey: uuid()});
    }
    // Made once, saved before the first attempt: every retry, even after a reload, sends these very bytes and keys.
    draft.sub = {key: uuid(), body: JSON.stringify(body), photos, check: null};
    if (!save()) { draft.sub = null; return; }
    attempt = 0;
    pump();
  }

  let busy = false, timer = null;
  async function pump() {
    const sub = draft.sub;
    if (busy || !sub) return;
    busy = true; clearTimeout(timer);
    lock();
    try {
      say("Sending…");
      if (!sub.check) {
        sub.check = await api("POST", `/api/v1/sites/${cfg.site}/checks/`, {json: sub.body, key: sub.key});
        save();
      }
      const todo = sub.photos.filter(p => !p.done);
      for (const [i, p] of todo.entries()) {
        say(`Sending… photo ${i + 1} of ${todo.length}.`);
        await sendPhoto(`/api/v1/checks/${sub.check.id}/evidence/`, p, save);
        save();
      }
      // The photos re-judge their results: read the check back as it now stands.
      const check = sub.photos.length ? await api("GET", `/api/v1/checks/${sub.check.id}/`) : sub.check;
      attempt = 0;
      finish(check, sub);
    } catch (error) {
      if (error instanceof Retry) {
        const wait = backoff();
        say(error.message === "storage"
          ? `Waiting for the photo storage, which does not answer this page; will retry in ${Math.round(wait)} s. The check is stored.`
          : `Waiting for signal, will retry in ${Math.round(wait)} s. Your answers are saved on this phone.`);
        timer = setTimeout(pump, wait * 1000);
      } else if (error instanceof Refused && !sub.check) {
        draft.sub = null; save();
        showRefusal(error, JSON.parse(sub.body));
        for (const key of Object.keys(draft.photos)) showPhotos(key);
      } else {
        say(`Not sent: ${error.message}`);
      }
    } finally { busy = false; lock(); }
  }
  function lock() {
    // While a submission is on its way the answers cannot change (it is sent as it was frozen); the button
    // comes back between attempts, to try again at once.
    if (!form) return;
    for (const fs of criteria) fs.disabled = Boolean(draft.sub);
    if ($("#reason")) $("#reason").disabled = Boolean(draft.sub);
    const button = $("button[type=submit]", form);
    button.dataset.label = button.dataset.label || button.textContent;
    button.disabled = busy;
    button.textContent = !draft.sub ? button.dataset.label : busy ? "Sending…" : "Try again now";
  }
  function showRefusal(error, body) {
    const errors = error.body.errors || [error.body];
    let first = null;
    for (const e of errors) {
      const at = /^results\[(\d+)\]/.exec(e.field || "");
      const key = at && body.results[Number(at[1])] ? body.results[Number(at[1])].criterion
        : e.field === "reason" ? "reason" : null;
      const box = showError(key, e.message || error.message);
      first = first || box;
    }
    say(`Not sent: ${error.message}`);
    if (first) first.scrollIntoView({block: "center"});
  }

  /* --- what the answer says --------------------------------------------------------------------- */
  function finish(check, sub) {
    // Only a photo the server confirmed leaves the phone; one refused or unread stays until it is dismissed.
    for (const p of sub.photos) if (p.done && !p.error) dropPhoto(p.id);
    const photoErrors = sub.photos.filter(p => p.error).map(p => p.error);
    localStorage.removeItem(STORE);
    draft = fresh();
    const box = $("#today-result"), inner = $("div", box);
    const failed = check.results.filter(r => !r.passed);
    const parts = [el("p", {}, "Score ",
      el("strong", {}, `${Math.round(check.score * 100)}%`), `; ${failed.length} of ${check.results.length} criteria not passed.`)];
    if (failed.length) {
      parts.push(el("h3", {}, "Not passed"), el("ul", {class: "results"}, ...failed.map(r => el("li", {},
        el("span", {class: `badge ${r.met ? "warn" : "fail"}`}, r.met ? "met; photo not verified" : "fail"),
        ` ${promptOf(r.criterion)}: `, el("strong", {}, shown(r))))));
    }
    if (check.actions.length) {
      parts.push(el("h3", {}, "Corrective actions it opened"), el("ul", {}, ...check.actions.map(a => el("li", {"data-action": a.id},
        `${promptOf(a.criterion)}: due `, el("span", {class: "nowrap"}, a.due_on), " ",
        el("span", {class: `badge ${a.status}`}, a.status)))));
    }
    if (photoErrors.length) {
      parts.push(el("h3", {}, "Photos not accepted"), el("ul", {class: "error"}, ...photoErrors.map(m => el("li", {}, m))));
    }
    inner.replaceChildren(...parts);
    box.insertBefore(statusEl, inner);  // the form that held it is put away
    box.hidden = false;
    for (const old of [$("#today-check"), $("#amend"), form]) if (old) old.hidden = true;
    say(`Sent: check ${check.id} is stored.`);
    box.focus();
    refreshActions();
  }
  function shown(r) {
    const fs = fieldsetOf(r.criterion), kind = fs ? fs.dataset.kind : "";
    if (kind === "boolean") return r.value ? "yes" : "no";
    if (kind === "score") return `${r.value} / 5`;
    const unit = fs ? $(".unit", fs).textContent : "";
    return `${r.value} ${unit}`.trim();
  }

  /* --- open corrective actions ------------------------------------------------------------------ */
  const actionList = $("#action-list");
  async function refreshActions() {
    let page;
    try { page = await api("GET", `/api/v1/sites/${cfg.site}/actions/?status=open&page_size=200`); } catch { return; }
    const template = $("#action-template").content;
    actionList.replaceChildren(...page.results.map(a => {
      const item = template.firstElementChild.cloneNode(true);
      item.dataset.id = a.id; item.dataset.photos = a.photos_required;
      const fill = {prompt: promptOf(a.criterion), status: a.status, check_date: a.check_date, due_on: a.due_on,
        photo_rule: a.photos_required ? `(${a.photos_required} required)` : "(optional)"};
      for (const f of item.querySelectorAll("[data-f]")) f.textContent = fill[f.dataset.f];
      $("[data-f=status]", item).className = `badge ${a.status}`;
      for (const [field, prefix] of [["textarea", "rn"], ["input[type=file]", "rp"]]) {
        const control = $(field, item);
        control.id = `${prefix}-${a.id}`;
        control.previousElementSibling.htmlFor = control.id;
      }
      return item;
    }));
    $("#no-actions").hidden = page.results.length > 0;
  }
  if (actionList) actionList.addEventListener("submit", async event => {
    const f = event.target.closest("form.resolve");
    if (!f) return;
    event.preventDefault();
    const item = f.closest("li"), id = item.dataset.id, files = [...$("input[type=file]", f).files];
    const note = f.elements.note.value.trim(), needed = Number(item.dataset.photos);
    const error = $(".field-error", f);
    const refuse = text => { error.textContent = text; error.hidden = false; };
    if (!note) return refuse("Say what was done.");
    if (files.length < needed) return refuse(`Add ${needed} photo${needed > 1 ? "s" : ""} of it put right.`);
    error.hidden = true;
    const job = {note, key: uuid(), photos: []};
    for (const file of files) {
      const pid = uuid();
      try { await putPhoto(pid, file); } catch (e) {
        for (const p of job.photos) dropPhoto(p.id);
        return refuse(`This phone could not keep the photo (${e.message || e}); free some space and try again.`);
      }
      job.photos.push({id: pid, name: file.name || "photo.jpg", type: file.type || "image/jpeg", size: file.size,
        criterion: null, reqKey: uuid(), confKey: uuid()});
    }
    resolves[id] = job;  // saved, with its keys, before the first attempt
    saveResolves();
    resolve(id);
  });
  const resolving = new Set();
  async function resolve(id) {
    const job = resolves[id], item = actionList && actionList.querySelector(`li[data-id="${id}"]`);
    if (!job || resolving.has(id)) return;
    resolving.add(id);
    const error = item ? $(".field-error", item) : null, state = item ? $(".state", item) : null;
    const tell = (text, wrong) => {
      if (state) state.textContent = wrong ? "" : text;
      if (error) { error.textContent = wrong ? text : ""; error.hidden = !wrong; }
    };
    try {
      tell("Sending…");
      for (const p of job.photos.filter(q => !q.done)) {
        await sendPhoto(`/api/v1/actions/${id}/evidence/`, p, saveResolves);
        saveResolves();
        if (p.error) throw new Refused(422, {message: p.error});
      }
      const action = await api("POST", `/api/v1/actions/${id}/resolve/`, {json: JSON.stringify({note: job.note}), key: job.key});
      for (const p of job.photos) dropPhoto(p.id);
      delete resolves[id]; saveResolves();
      if (item) item.replaceChildren(el("p", {}, el("strong", {}, $("[data-f=prompt]", item).textContent), " ",
        el("span", {class: "badge resolved"}, action.status), el("br"), `Resolved: ${action.resolution_note}`));
      for (const badge of document.querySelectorAll(`[data-action="${id}"] .badge`)) {
        badge.textContent = action.status; badge.className = `badge ${action.status}`;
      }
      say(`Sent: action ${id} is resolved.`);
    } catch (e) {
      if (e instanceof Retry) {
        tell("Waiting for signal, will retry. Saved on this phone.");
        setTimeout(() => resolve(id), backoff() * 1000);
      } else {
        delete resolves[id]; saveResolves();
        tell(`Not sent: ${e.message}`, true);
      }
    } finally { resolving.delete(id); }
  }

  /* --- start: put the draft back, and finish whatever was being sent ------------------------------ */
  window.addEventListener("online", () => {
    attempt = 0;
    pump();
    for (const id of Object.keys(resolves)) resolve(id);
  });
  // Drafts of earlier days that were never sent are dropped with their photos; one still being sent is kept.
  for (const key of Object.keys(localStorage)) {
    const prefix = STORE.slice(0, -cfg.date.length);
    if (!key.startsWith(prefix) || key === STORE) continue;
    const old = read(key, fresh());
    if (old.sub) continue;
    for (const list of Object.values(old.photos)) for (const p of list) dropPhoto(p.id);
    localStorage.removeItem(key);
  }
  restore();
  if (draft.sub) pump();
  for (const id of Object.keys(resolves)) resolve(id);
})();
