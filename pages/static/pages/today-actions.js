/* /app/today/: the site's open corrective actions, resolved with a note and photos through the API (today.js
 * calls this with what it shares: the client, the page's helpers). Each action's form is cloned from a <template>
 * only when "Resolve" is pressed, so a site with many open actions still opens on a weak signal. A job (note,
 * photos kept in IndexedDB, its keys) is saved before its first attempt and retried after a reload. */
window.touchpointActionsInit = shared => {
  "use strict";
  const {cfg, client, el, $, clear, promptOf, say, read, keep, backoff} = shared;
  const {uuid, photoType, putPhoto, dropPhoto, Retry, Refused, api, sendPhoto} = client;
  // The page's words in the person's language (Django's JavaScriptCatalog, loaded before; English without it).
  const gettext = window.gettext || (s => s);
  const ngettext = window.ngettext || ((one, many, n) => (n === 1 ? one : many));
  const pgettext = window.pgettext || ((_context, s) => s);
  const fmt = (text, values) => text.replace(/%\((\w+)\)s/g, (_m, k) => values[k]);
  const statusText = status => ({open: pgettext("action status", "open"), overdue: pgettext("action status", "overdue"),
    resolved: pgettext("action status", "resolved")})[status] || status;
  const actionList = $("#action-list");
  if (!actionList) return {refresh() {}, resume() {}, statusText};
  const ACTIONS = `touchpoint:actions:${cfg.user}:${cfg.site}`;
  const resolves = read(ACTIONS, {});
  const saveResolves = () => keep(ACTIONS, resolves);
  const resolving = new Set(), timers = {};
  const itemOf = id => actionList.querySelector(`li[data-id="${id}"]`);

  function openForm(item) {
    // The form of one action, made when it is wanted: its controls' ids and labels named after the action.
    let f = $("form.resolve", item);
    if (f) return f;
    f = $("#resolve-template").content.firstElementChild.cloneNode(true);
    const id = item.dataset.id, needed = Number(item.dataset.photos);
    for (const [field, prefix] of [["textarea", "rn"], ["input[type=file]", "rp"]]) {
      const control = $(field, f);
      control.id = `${prefix}-${id}`;
      control.closest("p").querySelector("label").htmlFor = control.id;
    }
    $("[data-f=photo_rule]", f).textContent = needed ? fmt(gettext("(%(count)s required)"), {count: needed})
      : gettext("(optional)");
    const opener = $("button.open-resolve", item);
    if (opener) opener.remove();
    item.append(f);
    return f;
  }
  actionList.addEventListener("click", event => {
    const opener = event.target.closest("button.open-resolve");
    if (!opener) return;
    $("textarea", openForm(opener.closest("li"))).focus();
  });

  const more = $("#more-actions button");
  if (more) more.addEventListener("click", async () => {
    more.disabled = true;
    if (await refresh()) {
      more.closest("p").remove();
      const first = actionList.querySelector("button.open-resolve");
      if (first) first.focus();
    }
    else more.disabled = false;
  });

  function editing(item) {
    // An item the manager is working on survives a refresh of the list: their words and photos stay.
    const f = $("form.resolve", item), id = item.dataset.id;
    return resolves[id] || resolving.has(id)
      || (f && (f.elements.note.value || $("input[type=file]", f).files.length));
  }
  async function refresh() {
    let page;
    try { page = await api("GET", `/api/v1/sites/${cfg.site}/actions/?status=open&page_size=200`); } catch { return false; }
    const template = $("#action-template").content;
    const existing = new Map([...actionList.children].map(li => [li.dataset.id, li]));
    const items = page.results.map(a => {
      let item = existing.get(String(a.id));
      existing.delete(String(a.id));
      if (!item) {
        item = template.firstElementChild.cloneNode(true);
        item.dataset.id = a.id; item.dataset.photos = a.photos_required;
        const fill = {prompt: promptOf(a.criterion), check_date: a.check_date, due_on: a.due_on};
        for (const f of item.querySelectorAll("[data-f]")) if (f.dataset.f in fill) f.textContent = fill[f.dataset.f];
      }
      const badge = $("[data-f=status]", item);
      badge.textContent = statusText(a.status); badge.className = `badge ${a.status}`;
      return item;
    });
    for (const item of existing.values()) if (editing(item)) items.push(item);
    clear(actionList, ...items);
    $("#no-actions").hidden = items.length > 0;
    return true;
  }

  actionList.addEventListener("submit", async event => {
    const f = event.target.closest("form.resolve");
    if (!f) return;
    event.preventDefault();
    const item = f.closest("li"), id = item.dataset.id, button = $("button[type=submit]", f);
    if (button.disabled) return;
    if (resolves[id] && !resolves[id].refused) { resolve(id); return; }  // already made: sent again, not doubled
    const files = [...$("input[type=file]", f).files];
    const note = f.elements.note.value.trim(), needed = Number(item.dataset.photos);
    const error = $(".field-error", f);
    const refuse = text => { error.textContent = text; error.hidden = false; button.disabled = false; };
    if (!note) return refuse(gettext("Say what was done."));
    if (files.length < needed) {
      return refuse(fmt(ngettext("Add %(count)s photo of it put right.", "Add %(count)s photos of it put right.", needed),
        {count: needed}));
    }
    error.hidden = true;
    button.disabled = true;  // a double tap must not make two jobs
    // A job the server refused is replaced now that the manager sends again: its photos were never accepted.
    if (resolves[id]) for (const p of resolves[id].photos) dropPhoto(p.id);
    const job = {note, key: uuid(), photos: []};
    for (const file of files) {
      const pid = uuid();
      try { await putPhoto(pid, file); } catch (e) {
        for (const p of job.photos) dropPhoto(p.id);
        return refuse(fmt(gettext("This phone could not keep the photo (%(error)s); free some space and try again."),
          {error: e.message || e}));
      }
      job.photos.push({id: pid, name: file.name || "photo.jpg", type: photoType(file), size: file.size,
        criterion: null, reqKey: uuid(), confKey: uuid()});
    }
    resolves[id] = job;  // saved, with its keys, before the first attempt
    saveResolves();
    resolve(id);
  });

  async function resolve(id) {
    const job = resolves[id];
    if (!job || resolving.has(id)) return;
    const item = itemOf(id), f = item ? openForm(item) : null;
    resolving.add(id); clearTimeout(timers[id]);
    job.attempt = job.attempt || 0; delete job.refused;
    const error = f ? $(".field-error", f) : null, state = f ? $(".state", f) : null;
    const button = f ? $("button[type=submit]", f) : null;
    if (button) button.disabled = true;
    const tell = (text, wrong) => {
      if (state) state.textContent = wrong ? "" : text;
      if (error) { error.textContent = wrong ? text : ""; error.hidden = !wrong; }
    };
    try {
      tell(gettext("Sending…"));
      for (const p of job.photos.filter(q => !q.done)) {
        await sendPhoto(`/api/v1/actions/${id}/evidence/`, p, saveResolves);
        saveResolves();
        if (p.error) throw new Refused(422, {message: p.error});
      }
      const action = await api("POST", `/api/v1/actions/${id}/resolve/`, {json: JSON.stringify({note: job.note}), key: job.key});
      for (const p of job.photos) dropPhoto(p.id);
      delete resolves[id]; saveResolves();
      if (item) clear(item, el("p", {}, el("strong", {}, $("[data-f=prompt]", item).textContent), " ",
        el("span", {class: "badge resolved"}, statusText(action.status)), el("br"),
        fmt(gettext("Resolved: %(note)s"), {note: action.resolution_note})));
      for (const badge of document.querySelectorAll(`[data-action="${id}"] .badge`)) {
        badge.textContent = statusText(action.status); badge.className = `badge ${action.status}`;
      }
      say(fmt(gettext("Sent: action %(id)s is resolved."), {id}));
    } catch (e) {
      if (e instanceof Retry) {
        tell(e.signIn ? fmt(gettext("Not sent yet: %(error)s"), {error: e.message})
          : gettext("Waiting for signal, will retry. Saved on this phone."));
        timers[id] = setTimeout(() => resolve(id), (e.signIn ? 30 : backoff(job)) * 1000);  // one timer per action
      } else {
        // Kept (and not retried) until the manager sends again: the photos stay on the phone meanwhile.
        job.refused = e.message; saveResolves();
        tell(fmt(gettext("Not sent: %(error)s"), {error: e.message}), true);
      }
    } finally {
      resolving.delete(id);
      if (button && (!resolves[id] || resolves[id].refused)) button.disabled = false;
    }
  }
  function resume() {
    for (const [id, job] of Object.entries(resolves)) {
      if (!job.refused) { job.attempt = 0; resolve(id); } else if (itemOf(id)) {
        const f = openForm(itemOf(id)), error = $(".field-error", f);
        f.elements.note.value = job.note; error.textContent = fmt(gettext("Not sent: %(error)s"), {error: job.refused}); error.hidden = false;
      }
    }
  }
  return {refresh, resume, statusText};
};
