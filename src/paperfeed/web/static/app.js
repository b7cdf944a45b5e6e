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
