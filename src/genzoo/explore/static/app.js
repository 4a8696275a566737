// genzoo explore: the page. Plain JS, no build step; every number comes from the server's JSON API.
"use strict";

const $ = (id) => document.getElementById(id);
const COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
  "#bcbd22", "#17becf"];
const state = {
  runs: [], r: null, run: null, points: null, screen: null,
  chosen: null, z: null, marker: null, drawMarker: null, hover: -1, seed: 1, ready: null,
  lab: null, labRunning: false,
};
window.genzooState = state; // for the browser tests and the curious

async function api(path, body) {
  const init = body === undefined ? {} :
    { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(path, init);
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error || response.statusText);
  return answer;
}

function say(text) { $("status").textContent = text; }
function guard(fn) {
  return (...args) => Promise.resolve(fn(...args)).catch((e) => say(e.message));
}

function figure(src, caption) {
  const f = document.createElement("figure");
  const img = document.createElement("img");
  img.src = src;
  f.appendChild(img);
  if (caption !== undefined) {
    const c = document.createElement("figcaption");
    c.textContent = caption;
    f.appendChild(c);
  }
  return f;
}

function fill(id, images, captions) {
  const box = $(id);
  box.replaceChildren(...images.map((src, i) => figure(src, captions ? captions[i] : undefined)));
}

// One request in flight per key; a newer request waits and replaces an older waiting one.
const latest = {};
function coalesce(key, fn) {
  const slot = latest[key] || (latest[key] = { busy: false, next: null });
  slot.next = fn;
  if (slot.busy) return;
  const pump = async () => {
    while (slot.next) {
      const job = slot.next;
      slot.next = null;
      slot.busy = true;
      try { await job(); } catch (e) { say(e.message); }
      slot.busy = false;
    }
  };
  pump();
}

// -- runs ----------------------------------------------------------------------------------------
async function start() {
  const answer = await api("/api/runs");
  state.runs = answer.runs;
  const select = $("run");
  state.runs.forEach((run, i) => select.add(new Option(`${run.name} (${run.model}, ${run.data})`, i)));
  answer.lab.data.forEach((d) => $("lab-data").add(new Option(d, d)));
  answer.lab.models.forEach((m) => $("lab-model").add(new Option(m, m)));
  select.onchange = guard(() => chooseRun(Number(select.value)));
  if (state.runs.length) await chooseRun(0);
  else $("run-info").textContent = "no run given: the toy lab alone";
  await newLab();
  say("");
}

async function chooseRun(r) {
  state.r = r;
  const run = state.run = state.runs[r];
  const has = (view) => run.views.includes(view);
  $("run-info").textContent = `codes: ${run.code_size || "none"} · views: ${run.views.join(", ")}`;
  $("map-section").hidden = !has("map");
  $("decode-section").hidden = !has("sliders");
  $("interp-section").hidden = !has("interpolation");
  $("neighbours-section").hidden = !has("neighbours");
  $("denoise-section").hidden = !has("denoise");
  $("draw-section").hidden = !has("draw");
  $("gen-section").hidden = !has("samples");
  $("walk-go").hidden = !has("walk");
  state.points = state.chosen = state.ready = null;
  state.marker = state.drawMarker = null;
  if (has("denoise")) buildDenoise(); // before an image is chosen: choosing one denoises it
  if (has("map")) {
    state.points = await api(`/api/runs/${r}/points`);
    $("map-caption").textContent = `${run.points} test images, ${run.projection === "identity" ? "2-D codes" :
      run.projection.toUpperCase() + " of " + run.code_size + "-D codes"}`;
    layoutMap();
    buildSliders();
    buildInterpolation();
    await choose(run.pair[0]);
  }
  if (has("draw")) buildPad();
  if (has("samples")) buildSamples();
  state.ready = r;
}

// -- the latent map ------------------------------------------------------------------------------
function toScreen(x, y) {
  const [x0, y0, x1, y1] = state.points.extent;
  const c = $("map");
  return [(x - x0) / (x1 - x0) * c.width, (1 - (y - y0) / (y1 - y0)) * c.height];
}
function fromScreen(px, py) {
  const [x0, y0, x1, y1] = state.points.extent;
  const c = $("map");
  return [x0 + px / c.width * (x1 - x0), y0 + (1 - py / c.height) * (y1 - y0)];
}

function layoutMap() {
  const xy = state.points.xy;
  state.screen = new Float32Array(xy.length * 2);
  xy.forEach(([x, y], i) => { const [sx, sy] = toScreen(x, y); state.screen[2 * i] = sx; state.screen[2 * i + 1] = sy; });
  drawMap();
}

function drawMap() {
  const c = $("map"), g = c.getContext("2d");
  g.fillStyle = "#fff";
  g.fillRect(0, 0, c.width, c.height);
  const labels = state.points.labels, s = state.screen;
  for (let i = 0; i < s.length / 2; i++) {
    g.fillStyle = labels ? COLOURS[labels[i] % 10] : "#4477aa";
    g.fillRect(s[2 * i] - 1, s[2 * i + 1] - 1, 2.5, 2.5);
  }
  const ring = (xy, colour) => {
    if (!xy) return;
    const [sx, sy] = toScreen(xy[0], xy[1]);
    g.strokeStyle = colour; g.lineWidth = 2.5;
    g.beginPath(); g.arc(sx, sy, 7, 0, 2 * Math.PI); g.stroke();
  };
  ring(state.marker, "#000");
  ring(state.drawMarker, "#e0a000");
  c.dataset.marker = state.marker ? state.marker.map((v) => v.toFixed(4)).join(",") : "";
  c.dataset.drawMarker = state.drawMarker ? state.drawMarker.map((v) => v.toFixed(4)).join(",") : "";
}

function nearest(px, py) {
  const s = state.screen;
  let best = -1, bestD = Infinity;
  for (let i = 0; i < s.length / 2; i++) {
    const d = (s[2 * i] - px) ** 2 + (s[2 * i + 1] - py) ** 2;
    if (d < bestD) { bestD = d; best = i; }
  }
  return [best, Math.sqrt(bestD)];
}

function mapPosition(event) {
  const c = $("map"), box = c.getBoundingClientRect();
  return [(event.clientX - box.left) * c.width / box.width, (event.clientY - box.top) * c.height / box.height];
}

$("map").addEventListener("mousemove", (event) => {
  if (!state.points) return;
  const [i, d] = nearest(...mapPosition(event));
  if (d > 6 || i === state.hover) return;
  state.hover = i;
  coalesce("hover", async () => {
    const item = await api(`/api/runs/${state.r}/item?i=${i}`);
    $("hover-image").src = item.image;
    $("hover-recon").src = item.reconstruction;
  });
});

$("map").addEventListener("click", guard(async (event) => {
  if (!state.points) return;
  const [px, py] = mapPosition(event);
  const [i, d] = nearest(px, py);
  if (d <= 6) { await choose(i); return; }
  const xy = fromScreen(px, py);
  const answer = await api(`/api/runs/${state.r}/decode-at`, { xy });
  state.z = answer.z;
  state.marker = xy;
  $("decoded").src = answer.image;
  $("current-caption").textContent = `at (${xy.map((v) => v.toFixed(2)).join(", ")})`;
  setSliders();
  drawMap();
}));

// -- the chosen image: sliders, neighbours, denoising ---------------------------------------------
async function choose(i) {
  const item = await api(`/api/runs/${state.r}/item?i=${i}`);
  state.chosen = item;
  state.z = item.z.slice();
  state.marker = item.xy;
  $("decoded").src = item.reconstruction;
  $("hover-image").src = item.image;
  $("hover-recon").src = item.reconstruction;
  $("current-caption").textContent = `test image ${i}` + (item.label === null ? "" : `, label ${item.label}`);
  setSliders();
  drawMap();
  const nb = await api(`/api/runs/${state.r}/neighbours`, { i, k: 8 });
  for (const kind of ["pixels", "codes"]) {
    fill(`nb-${kind}`, nb[kind].map((n) => n.image),
      nb[kind].map((n) => `${n.label === null ? "" : n.label + " · "}${n.distance.toFixed(2)}`));
  }
  if (state.run.views.includes("denoise")) denoise();
}

function buildSliders() {
  const box = $("sliders"), run = state.run;
  box.replaceChildren();
  for (let k = 0; k < run.sliders; k++) {
    const [lo, hi] = run.slider_range[k];
    const label = document.createElement("label");
    label.textContent = `z${k}`;
    const input = document.createElement("input");
    Object.assign(input, { type: "range", min: lo, max: hi, step: (hi - lo) / 400, id: `slider-${k}` });
    input.addEventListener("input", () => { state.z[k] = Number(input.value); decodeCurrent(); });
    label.appendChild(input);
    box.appendChild(label);
  }
}

function setSliders() {
  for (let k = 0; k < state.run.sliders; k++) $(`slider-${k}`).value = state.z[k];
}

function decodeCurrent() {
  const z = state.z.slice();
  coalesce("decode", async () => {
    const answer = await api(`/api/runs/${state.r}/decode`, { z });
    $("decoded").src = answer.image;
    state.marker = answer.xy;
    drawMap();
  });
}

function gaussian() {
  return Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
}

$("random").onclick = guard(async () => {
  if (state.run.spherical) state.z = state.z.map(() => gaussian());
  else {
    const item = await api(`/api/runs/${state.r}/item?i=${Math.floor(Math.random() * state.run.points)}`);
    state.z = item.z;
  }
  $("current-caption").textContent = state.run.spherical ? "a draw from the prior" : "a random test image's code";
  setSliders();
  decodeCurrent();
});
$("reset").onclick = () => {
  if (!state.chosen) return;
  state.z = state.chosen.z.slice();
  setSliders();
  decodeCurrent();
};

// -- interpolation ---------------------------------------------------------------------------------
function buildInterpolation() {
  const run = state.run;
  $("interp-a").value = run.pair[0];
  $("interp-b").value = run.pair[1];
  $("interp-a").max = $("interp-b").max = run.points - 1;
  $("spherical-label").hidden = !run.spherical;
  $("interp-spherical").checked = false;
  const other = $("interp-other");
  other.replaceChildren(new Option("(no other run)", ""));
  state.runs.forEach((o, i) => {
    if (i !== state.r && o.views.includes("interpolation") && o.data === run.data) other.add(new Option(o.name, i));
  });
  fill("strip", []);
  fill("strip-other", []);
}

$("interp-go").onclick = guard(async () => {
  const body = { a: Number($("interp-a").value), b: Number($("interp-b").value),
    frames: Number($("interp-frames").value), spherical: $("interp-spherical").checked };
  const mine = await api(`/api/runs/${state.r}/interpolate`, body);
  fill("strip", mine.frames);
  const o = $("interp-other").value;
  if (o === "") { fill("strip-other", []); return; }
  const theirs = await api(`/api/runs/${o}/interpolate`, { ...body, spherical: body.spherical && state.runs[o].spherical });
  fill("strip-other", theirs.frames);
  $("strip").dataset.name = state.run.name;
  $("strip-other").dataset.name = state.runs[o].name;
});

// -- denoising -------------------------------------------------------------------------------------
function buildDenoise() {
  const run = state.run, noise = $("noise");
  noise.replaceChildren(...run.noises.map((n) => new Option(n, n)));
  noise.value = run.noise || run.noises[0];
  $("level").value = run.noise_level ?? 0.3;
  $("level-out").textContent = $("level").value;
}

function denoise() {
  if (!state.chosen) return;
  const body = { i: state.chosen.index, noise: $("noise").value, level: Number($("level").value), seed: 0 };
  $("level-out").textContent = body.level.toFixed(2);
  coalesce("denoise", async () => {
    const answer = await api(`/api/runs/${state.r}/denoise`, body);
    $("noisy").src = answer.noisy;
    $("denoised").src = answer.denoised;
    $("clean").src = answer.clean;
    $("psnr-noisy").textContent = `${answer.psnr_noisy} dB`;
    $("psnr-denoised").textContent = `${answer.psnr_denoised} dB`;
  });
}
$("noise").onchange = denoise;
$("level").oninput = denoise;

// -- the drawing pad -------------------------------------------------------------------------------
const pad = { pixels: null, h: 28, w: 28, down: false };

function buildPad() {
  const [, h, w] = state.run.input_shape;
  Object.assign(pad, { h, w, pixels: new Float32Array(h * w) });
  const c = $("pad");
  c.width = w; c.height = h;
  paintPad();
  fill("draw-nb", []);
  $("draw-recon").removeAttribute("src");
}

function paintPad() {
  const c = $("pad"), g = c.getContext("2d"), image = g.createImageData(pad.w, pad.h);
  pad.pixels.forEach((v, i) => {
    const grey = Math.round(v * 255);
    image.data.set([grey, grey, grey, 255], 4 * i);
  });
  g.putImageData(image, 0, 0);
}

function stamp(event) {
  const c = $("pad"), box = c.getBoundingClientRect();
  const x = (event.clientX - box.left) / box.width * pad.w, y = (event.clientY - box.top) / box.height * pad.h;
  const radius = Math.max(1, pad.w / 20);
  for (let r = Math.floor(y - 2 * radius); r <= y + 2 * radius; r++) {
    for (let q = Math.floor(x - 2 * radius); q <= x + 2 * radius; q++) {
      if (r < 0 || q < 0 || r >= pad.h || q >= pad.w) continue;
      const ink = Math.exp(-((q + 0.5 - x) ** 2 + (r + 0.5 - y) ** 2) / (2 * radius * radius));
      pad.pixels[r * pad.w + q] = Math.min(1, Math.max(pad.pixels[r * pad.w + q], 1.4 * ink));
    }
  }
  paintPad();
}

function encodeDrawing() {
  const pixels = Array.from(pad.pixels, (v) => Math.round(v * 1000) / 1000);
  coalesce("encode", async () => {
    const answer = await api(`/api/runs/${state.r}/encode`, { pixels, k: 6 });
    state.drawMarker = answer.xy;
    $("draw-recon").src = answer.reconstruction;
    fill("draw-nb", answer.neighbours.codes.map((n) => n.image),
      answer.neighbours.codes.map((n) => `${n.label === null ? "" : n.label + " · "}${n.distance.toFixed(2)}`));
    drawMap();
  });
}

$("pad").addEventListener("pointerdown", (e) => { pad.down = true; $("pad").setPointerCapture(e.pointerId); stamp(e); });
$("pad").addEventListener("pointermove", (e) => { if (pad.down) { stamp(e); encodeDrawing(); } });
$("pad").addEventListener("pointerup", () => { pad.down = false; encodeDrawing(); });
$("clear").onclick = () => { pad.pixels.fill(0); paintPad(); state.drawMarker = null; drawMap(); };

// -- samples ---------------------------------------------------------------------------------------
function buildSamples() {
  const run = state.run;
  $("class-label").hidden = !run.conditional;
  $("gen-class").replaceChildren(...run.classes.map((c) => new Option(c, c)));
  fill("walk", []);
  reroll();
}

function reroll() {
  const body = { n: 16, seed: state.seed };
  if (state.run.conditional) body.label = Number($("gen-class").value);
  coalesce("samples", async () => {
    const answer = await api(`/api/runs/${state.r}/samples`, body);
    fill("samples", answer.images, answer.d && answer.d.map((v) => `${answer.d_label} ${v.toFixed(2)}`));
  });
}
$("reroll").onclick = () => { state.seed += 1; reroll(); };
$("gen-class").onchange = reroll;
$("walk-go").onclick = guard(async () => {
  const seedA = Math.floor(Math.random() * 1e6), seedB = seedA + 1;
  fill("walk", (await api(`/api/runs/${state.r}/walk`, { seed_a: seedA, seed_b: seedB, frames: 10 })).frames);
});

// -- the toy-GAN lab -------------------------------------------------------------------------------
function labSettings() {
  return { g_loss: $("lab-gloss").value, d_steps: Number($("lab-dsteps").value), arrows: $("lab-arrows").checked };
}

async function newLab() {
  state.labRunning = false;
  $("lab-run").textContent = "run";
  state.lab = await api("/api/lab", { data: $("lab-data").value, model: $("lab-model").value, ...labSettings() });
  drawLab();
}

async function stepLab(steps) {
  state.lab = await api(`/api/lab/${state.lab.id}/step`, { steps, ...labSettings() });
  drawLab();
}

function shade(t) { // light yellow (low D) to dark blue (high D)
  const a = [255, 247, 188], b = [37, 52, 148];
  return `rgb(${a.map((v, i) => Math.round(v + (b[i] - v) * t)).join(",")})`;
}

function drawLab() {
  const lab = state.lab, c = $("lab"), g = c.getContext("2d");
  const [x0, y0, x1, y1] = lab.extent, n = lab.d.length, cell = c.width / n;
  const [lo, hi] = lab.d_range;
  lab.d.forEach((row, r) => row.forEach((v, q) => {
    g.fillStyle = shade(hi > lo ? (v - lo) / (hi - lo) : 0.5);
    g.fillRect(q * cell, r * cell, cell + 1, cell + 1);
  }));
  const sx = (x) => (x - x0) / (x1 - x0) * c.width, sy = (y) => (1 - (y - y0) / (y1 - y0)) * c.height;
  const dots = (points, colour) => {
    g.fillStyle = colour;
    for (const [x, y] of points) g.fillRect(sx(x) - 1.5, sy(y) - 1.5, 3, 3);
  };
  dots(lab.real, "rgba(90,90,90,0.6)");
  dots(lab.samples, "#d62728");
  if (lab.arrows) {
    const longest = Math.max(1e-12, ...lab.arrows.map(([u, v]) => Math.hypot(u, v)));
    const scale = 0.08 * (x1 - x0) / longest;
    g.strokeStyle = "#000"; g.lineWidth = 1;
    lab.arrows.forEach(([u, v], i) => {
      const [x, y] = lab.samples[i];
      g.beginPath(); g.moveTo(sx(x), sy(y)); g.lineTo(sx(x + scale * u), sy(y + scale * v)); g.stroke();
    });
  }
  $("lab-steps").textContent = lab.steps;
  $("lab-coverage").textContent = lab.coverage ? `${lab.coverage.modes_covered} / ${lab.coverage.modes}` : "–";
  $("lab-hq").textContent = lab.coverage ? `${(100 * lab.coverage.high_quality).toFixed(1)}%` : "–";
}

$("lab-new").onclick = guard(newLab);
$("lab-step").onclick = guard(() => stepLab(10));
$("lab-run").onclick = guard(async () => {
  state.labRunning = !state.labRunning;
  $("lab-run").textContent = state.labRunning ? "pause" : "run";
  while (state.labRunning) await stepLab(25);
});
for (const id of ["lab-gloss", "lab-dsteps", "lab-arrows"]) {
  $(id).onchange = guard(() => (state.labRunning ? null : stepLab(0)));
}
$("lab-data").onchange = $("lab-model").onchange = guard(newLab);

guard(start)();
