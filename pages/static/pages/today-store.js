/* localStorage for /app/today/, guarded: a full, blocked (private mode, a policy) or missing storage must not stop
 * the page. What cannot be written is held in this page's memory (write answers false: the page then says to keep
 * it open until the answers are sent); the copy in memory wins over an older one on the phone. */
window.touchpointStore = (() => {
  "use strict";
  const memory = new Map();
  let ls = null;
  try { ls = window.localStorage; ls.getItem("touchpoint:probe"); } catch { ls = null; }
  function read(key, empty) {
    if (memory.has(key)) return memory.get(key);
    try {
      const raw = ls ? ls.getItem(key) : null;
      if (raw !== null) return JSON.parse(raw) || empty;
    } catch { /* unreadable or garbled: as if absent */ }
    return empty;
  }
  function write(key, value) {
    memory.set(key, value);
    try { ls.setItem(key, JSON.stringify(value)); return true; } catch { return false; }
  }
  function remove(key) {
    memory.delete(key);
    try { ls.removeItem(key); } catch { /* blocked: nothing was kept there */ }
  }
  function keys() {
    const out = new Set(memory.keys());
    try { for (let i = 0; i < ls.length; i++) out.add(ls.key(i)); } catch { /* blocked */ }
    return [...out];
  }
  return {read, write, remove, keys};
})();
