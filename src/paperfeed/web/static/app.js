// paperfeed: small enhancements; every page works without them except the feedback buttons.
"use strict";

const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

async function postJSON(url, body) {
  const resp = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
    body: JSON.stringify(body),
  });
  if (!resp.ok) {
    let detail = resp.statusText;
    try { detail = (await resp.json()).detail || detail; } catch (e) { /* not JSON */ }
    throw new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
  }
  return resp.json();
}

const FEEDBACK_TEXT = {
  like: ["liked", "Liked: your next feed shows more like this."],
  dislike: ["disliked", "Disliked: your next feed shows fewer like this."],
  "not-interested": ["disliked", "Not interested: it will not come back."],
};

function setStatus(box, text) {
  const status = box.querySelector(".status");
  if (status) status.textContent = text;
}

async function onFeedback(button) {
  const box = button.closest(".actions");
  const card = button.closest(".card");
  const profile = document.getElementById("feed").dataset.profile;
  const action = button.dataset.feedback;
  box.querySelectorAll("button").forEach((b) => { b.disabled = true; });
  try {
    await postJSON("/api/feedback", { profile, key: box.dataset.key, action });
    const [cls, text] = FEEDBACK_TEXT[action];
    card.classList.add(cls);
    setStatus(box, text);
  } catch (err) {
    box.querySelectorAll("button").forEach((b) => { b.disabled = false; });
    setStatus(box, "Could not save: " + err.message);
  }
}

async function onMuteAuthor(button) {
  const box = button.closest(".actions");
  const profile = document.getElementById("feed").dataset.profile;
  const author = button.dataset.muteAuthor;
  try {
    await postJSON("/api/mute", { profile, kind: "author", value: author, on: true });
    button.closest("details").open = false;
    button.closest(".card").classList.add("muted");
    setStatus(box, "Muted " + author + ": their papers leave your feed.");
  } catch (err) {
    setStatus(box, "Could not mute: " + err.message);
  }
}

async function onPaperAction(button) {
  const box = button.closest("[data-profile-actions]");
  const profile = box.querySelector("[data-profile-select]").value;
  const key = box.dataset.key;
  const action = button.dataset.paperAction;
  try {
    if (action === "add") {
      await postJSON("/api/profiles/" + encodeURIComponent(profile) + "/papers", { keys: [key] });
      setStatus(box, "Added to " + profile + "'s papers.");
    } else if (action === "save") {
      await postJSON("/api/save", { profile, key, on: true });
      setStatus(box, "Saved for later in " + profile + "'s reading list.");
    } else {
      await postJSON("/api/feedback", { profile, key, action });
      setStatus(box, (action === "like" ? "Liked" : "Disliked") + " for " + profile + ".");
    }
  } catch (err) {
    setStatus(box, "Could not save: " + err.message);
  }
}

async function copyText(selector, button) {
  const el = document.querySelector(selector);
  const text = el.textContent;
  try {
    await navigator.clipboard.writeText(text);
  } catch (err) {
    // http:// on a LAN is not a secure context: fall back to selecting the text
    const range = document.createRange();
    range.selectNodeContents(el);
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    document.execCommand("copy");
  }
  const old = button.textContent;
  button.textContent = "Copied ✓";
  setTimeout(() => { button.textContent = old; }, 1500);
}

document.addEventListener("click", (ev) => {
  const t = ev.target.closest("button, a");
  if (!t) return;
  if (t.dataset.feedback) onFeedback(t);
  else if (t.dataset.muteAuthor) onMuteAuthor(t);
  else if (t.dataset.paperAction) onPaperAction(t);
  else if (t.dataset.copy) copyText(t.dataset.copy, t);
  else if ("back" in t.dataset && history.length > 1) { ev.preventDefault(); history.back(); }
});

async function loadSimilar(box) {
  // the paper page is served without its similar papers (they can take a second when cold)
  try {
    const resp = await fetch(box.dataset.src, { credentials: "same-origin" });
    if (!resp.ok) throw new Error(resp.statusText);
    box.innerHTML = await resp.text();  // HTML rendered (and escaped) by the server's template
  } catch (err) {
    box.querySelector("p")?.prepend("Could not load similar papers (" + err.message + "). ");
  }
  box.removeAttribute("aria-busy");
}

document.querySelectorAll("#similar[data-src]").forEach(loadSimilar);

document.addEventListener("submit", (ev) => {
  const msg = ev.target.dataset.confirm;
  if (msg && !window.confirm(msg)) ev.preventDefault();
});

// ---- daily reading: the profile switcher, save for later, tags, keyboard shortcuts ----

document.addEventListener("change", (ev) => {
  if (ev.target.matches("select[data-autosubmit]")) ev.target.form.submit();
});

function profileOf(el) {
  const list = el.closest("[data-profile]");
  if (list) return list.dataset.profile;
  return el.closest("[data-profile-actions]")?.querySelector("[data-profile-select]")?.value;
}

async function onSave(button) {
  const box = button.closest(".actions");
  const on = button.dataset.save === "on";
  try {
    await postJSON("/api/save", { profile: profileOf(button), key: box.dataset.key, on });
    button.dataset.save = on ? "off" : "on";
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.textContent = on ? "Saved ✓" : "Save";
    button.closest(".card")?.classList.toggle("saved", on);
    setStatus(box, on ? "Saved for later." : "Taken off the reading list.");
  } catch (err) {
    setStatus(box, "Could not save: " + err.message);
  }
}

document.addEventListener("click", (ev) => {
  const t = ev.target.closest("button");
  if (!t) return;
  if (t.dataset.save) onSave(t);
  else if ("showHelp" in t.dataset) showHelp();
});

document.addEventListener("submit", async (ev) => {
  const form = ev.target;
  if (!form.matches("[data-tag-form]")) return;
  ev.preventDefault();
  const box = form.closest("[data-profile-actions]");
  const tags = form.elements.tags.value.split(/[\s,]+/).filter(Boolean);
  if (!tags.length) return;
  try {
    const res = await postJSON("/api/tags", { profile: profileOf(form), key: box.dataset.key, tags });
    form.elements.tags.value = "";
    setStatus(box, "Tags: " + res.tags.map((t) => "#" + t).join(" "));
  } catch (err) {
    setStatus(box, "Could not tag: " + err.message);
  }
});

function showHelp() {
  const dlg = document.getElementById("keys-help");
  if (dlg && !dlg.open) dlg.showModal();
}

function feedCards() {
  return Array.from(document.querySelectorAll("#feed .card, #reading .card"));
}

function moveCurrent(step) {
  const cards = feedCards();
  if (!cards.length) return null;
  const at = cards.findIndex((c) => c.classList.contains("current"));
  const next = cards[Math.max(0, Math.min(cards.length - 1, at < 0 ? 0 : at + step))];
  cards.forEach((c) => c.classList.remove("current"));
  next.classList.add("current");
  next.scrollIntoView({ block: "nearest" });
  return next;
}

function currentCard() {
  return document.querySelector("#feed .card.current, #reading .card.current");
}

const SHORTCUTS = {
  j: () => moveCurrent(1),
  k: () => moveCurrent(-1),
  l: (card) => card?.querySelector("button[data-feedback=like]")?.click(),
  d: (card) => card?.querySelector("button[data-feedback=dislike]")?.click(),
  s: (card) => card?.querySelector("button[data-save]")?.click(),
  o: (card) => card?.querySelector("h3 a")?.click(),
  p: (card) => { const a = card?.querySelector(".links-inline a.pdf"); if (a) window.open(a.href, "_blank", "noopener"); },
  "?": () => showHelp(),
};

document.addEventListener("keydown", (ev) => {
  if (!feedCards().length && ev.key !== "?") return;
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  if (ev.target.closest("input, textarea, select, [contenteditable]")) return;
  if (document.getElementById("keys-help")?.open) return;  // Esc closes the dialog natively
  const action = SHORTCUTS[ev.key];
  if (!action || (ev.key === "?" && !document.getElementById("keys-help"))) return;
  ev.preventDefault();
  action(currentCard());
});
