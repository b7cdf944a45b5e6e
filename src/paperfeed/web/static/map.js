// The topic map: fetch the server's layout (/api/map) and draw it on a canvas.
"use strict";

const PALETTE = ["#4f46e5", "#e11d48", "#059669", "#d97706", "#0891b2", "#7c3aed", "#db2777",
                 "#65a30d", "#ea580c", "#0284c7", "#9333ea", "#ca8a04"];
const OTHER = "#b8b8c2";

function colourOf(cat, nCats) {
  return cat < Math.min(nCats - 1, PALETTE.length) ? PALETTE[cat] : OTHER;
}

function setupCanvas(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const rect = canvas.getBoundingClientRect();
  canvas.width = Math.round(rect.width * ratio);
  canvas.height = Math.round(rect.height * ratio);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { ctx, width: rect.width, height: rect.height };
}

function project(data, width, height) {
  const pad = 14;
  const px = new Float32Array(data.count);
  const py = new Float32Array(data.count);
  for (let i = 0; i < data.count; i++) {
    px[i] = pad + data.x[i] * (width - 2 * pad);
    py[i] = pad + (1 - data.y[i]) * (height - 2 * pad);
  }
  return { px, py };
}

function draw(canvas, data) {
  const { ctx, width, height } = setupCanvas(canvas);
  const { px, py } = project(data, width, height);
  const r = data.count > 10000 ? 1.6 : data.count > 3000 ? 2.2 : 3;
  ctx.clearRect(0, 0, width, height);
  ctx.globalAlpha = 0.75;
  let drawn = 0;
  for (let i = 0; i < data.count; i++) {
    ctx.fillStyle = colourOf(data.cat[i], data.categories.length);
    ctx.beginPath();
    ctx.arc(px[i], py[i], r, 0, 2 * Math.PI);
    ctx.fill();
    drawn++;
  }
  ctx.globalAlpha = 1;
  for (const i of data.highlight) star(ctx, px[i], py[i], r + 5);
  drawLabels(ctx, data.clusters || [], width, height);
  canvas.dataset.points = String(drawn);
  canvas.dataset.highlighted = String(data.highlight.length);
  canvas.dataset.clusters = String((data.clusters || []).length);
  return { px, py };
}

// The profile's papers: a star in a colour no category uses, outlined, so it never reads as "other".
const MINE = "#facc15";

function ink() {
  return getComputedStyle(document.documentElement).getPropertyValue("--ink").trim() || "#111";
}

function star(ctx, x, y, r) {
  ctx.beginPath();
  for (let k = 0; k < 10; k++) {
    const rad = k % 2 ? r * 0.45 : r;
    const a = -Math.PI / 2 + (k * Math.PI) / 5;
    ctx.lineTo(x + rad * Math.cos(a), y + rad * Math.sin(a));
  }
  ctx.closePath();
  ctx.fillStyle = MINE;
  ctx.fill();
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = ink();
  ctx.stroke();
}

function drawLabels(ctx, clusters, width, height) {
  const pad = 14;
  ctx.font = "600 13px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.lineJoin = "round";
  for (const c of clusters) {
    const x = pad + c.x * (width - 2 * pad);
    const y = pad + (1 - c.y) * (height - 2 * pad);
    ctx.lineWidth = 4;
    ctx.strokeStyle = getComputedStyle(document.documentElement).getPropertyValue("--card").trim() || "#fff";
    ctx.strokeText(c.label, x, y);
    ctx.fillStyle = ink();
    ctx.fillText(c.label, x, y);
  }
}

function legend(data) {
  const box = document.getElementById("map-legend");
  box.replaceChildren();
  const counts = new Array(data.categories.length).fill(0);
  data.cat.forEach((c) => { counts[c]++; });
  data.categories.forEach((name, i) => {
    if (!counts[i]) return;
    const item = document.createElement("span");
    const dot = document.createElement("i");
    dot.style.background = colourOf(i, data.categories.length);
    item.append(dot, `${name} (${counts[i]})`);
    box.append(item);
  });
  if (data.highlight.length) {
    const mine = document.createElement("span");
    mine.className = "legend-mine";
    const mark = document.createElement("b");
    mark.className = "star";
    mark.textContent = "★";
    mine.append(mark, ` ${data.profile}'s papers (${data.highlight.length})`);
    box.append(mine);
  }
  const total = document.createElement("span");
  total.textContent = `${data.count} papers · layout ${data.seconds}s`;
  box.append(total);
}

function nearest(pos, x, y, maxDist) {
  let best = -1;
  let bestD = maxDist * maxDist;
  for (let i = 0; i < pos.px.length; i++) {
    const dx = pos.px[i] - x;
    const dy = pos.py[i] - y;
    const d = dx * dx + dy * dy;
    if (d < bestD) { bestD = d; best = i; }
  }
  return best;
}

function interact(canvas, data, getPos) {
  const tip = document.getElementById("map-tip");
  let pending = false;
  let hover = -1;
  canvas.addEventListener("mousemove", (ev) => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      const rect = canvas.getBoundingClientRect();
      const x = ev.clientX - rect.left;
      const y = ev.clientY - rect.top;
      hover = nearest(getPos(), x, y, 8);
      if (hover < 0) { tip.style.display = "none"; canvas.style.cursor = "crosshair"; return; }
      tip.textContent = data.titles[hover] + (data.dates[hover] ? ` (${data.dates[hover]})` : "");
      tip.style.left = Math.min(x + 14, rect.width - 260) + "px";
      tip.style.top = (y + 14) + "px";
      tip.style.display = "block";
      canvas.style.cursor = "pointer";
    });
  });
  canvas.addEventListener("mouseleave", () => { tip.style.display = "none"; });
  canvas.addEventListener("click", () => {
    if (hover >= 0) window.location.href = "/papers/" + data.keys[hover].split("/").map(encodeURIComponent).join("/");
  });
}

async function main() {
  const canvas = document.getElementById("topic-map");
  if (!canvas) return;
  const status = document.getElementById("map-status");
  try {
    const resp = await fetch(canvas.dataset.src, { credentials: "same-origin" });
    if (!resp.ok) throw new Error((await resp.json()).detail || resp.statusText);
    const data = await resp.json();
    if (!data.count) { status.textContent = "No embedded papers to place yet (run paperfeed embed)."; return; }
    status.remove();
    let pos = draw(canvas, data);
    window.paperfeedMap = {
      count: data.count,
      highlighted: data.highlight.length,
      highlight: data.highlight,
      clusters: (data.clusters || []).map((c) => c.label),
      point: (i) => ({ x: pos.px[i], y: pos.py[i], key: data.keys[i], title: data.titles[i] }),
    };
    legend(data);
    interact(canvas, data, () => pos);
    window.addEventListener("resize", () => { pos = draw(canvas, data); });
  } catch (err) {
    status.textContent = "Could not draw the map: " + err.message;
  }
}

main();
