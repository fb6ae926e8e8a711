// The playground's page: controls, pictures and the conversation with the worker (worker.js),
// where nnscalar trains under Pyodide. The configuration lives in the URL's hash.
const $ = (id) => document.getElementById(id);
const COLORS = { c0: [214, 96, 77], c1: [67, 147, 195], pos: "#2166ac", neg: "#d6604d" };
const LR_CHOICES = [0.0001, 0.001, 0.003, 0.01, 0.03, 0.05, 0.1, 0.3, 1, 3];
const BATCH_CHOICES = [1, 4, 8, 16, 32, 64, 128, 1000];
const ACC_CHOICES = [1, 2, 4, 8];
const CONTROLS = ["data", "noise", "test_size", "samples", "seed", "hidden", "activation", "loss",
                  "optimizer", "lr", "batch_size", "accumulation_steps"];

let schema = null;
let config = null;      // the settings being shown (what the URL holds)
let hidden = new Set(); // controls a teacher has hidden
let lesson = "";        // "xor.2": a lesson's part
let net = null;         // {sizes, activation, outputActivation, decide, ...} from the worker
let points = null;      // {train, test, view}
let weights = null;
let playing = false;
let history = [];
let selected = { which: "train", index: 0 };
let requestId = 0;
const waiting = {};
const worker = new Worker("worker.js", { type: "module" });

// --- the configuration and the URL ----------------------------------------------------------

function parseHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const d = schema.defaults, out = { ...d, hidden: [...d.hidden] };
  const problems = [];
  hidden = new Set();
  lesson = "";
  for (const [key, text] of params) {
    if (key === "hide") { hidden = new Set(text.split(",").filter((k) => CONTROLS.includes(k))); continue; }
    if (key === "lesson") { lesson = text; continue; }
    if (!(key in d)) { problems.push(`unknown setting "${key}"`); continue; }
    if (key === "hidden") {
      const sizes = text === "" ? [] : text.split(",").map(Number);
      if (sizes.every((n) => Number.isInteger(n) && n >= 1 && n <= schema.limits.width) && sizes.length <= schema.limits.layers) out.hidden = sizes;
      else problems.push(`hidden="${text}": give up to ${schema.limits.layers} sizes from 1 to ${schema.limits.width}, e.g. 8,8`);
    } else if (schema.choices[key]) {
      if (schema.choices[key].includes(text)) out[key] = text;
      else problems.push(`${key}="${text}"; valid: ${schema.choices[key].join(", ")}`);
    } else {
      const value = Number(text);
      if (text.trim() !== "" && Number.isFinite(value)) out[key] = value;
      else problems.push(`${key}="${text}" is not a number`);
    }
  }
  linkProblem = problems.length ? "The link has settings that cannot be used (defaults used instead): " + problems.join("; ") : "";
  if (linkProblem) showError(linkProblem); else clearError();
  return out;
}

function hashOf(cfg) {
  const params = new URLSearchParams();
  for (const key of Object.keys(schema.defaults)) {
    params.set(key, key === "hidden" ? cfg.hidden.join(",") : String(cfg[key]));
  }
  if (hidden.size) params.set("hide", [...hidden].join(","));
  if (lesson) params.set("lesson", lesson);
  return "#" + params.toString().replace(/%2C/g, ",");
}

function writeHash() {
  history_replace(hashOf(config));
  $("share-link").value = location.href;
}
function history_replace(hash) { window.history.replaceState(null, "", hash); }

// --- talking to the worker --------------------------------------------------------------------

function ask(type, args) {
  const id = ++requestId;
  return new Promise((resolve) => { waiting[id] = resolve; worker.postMessage({ type, args, id }); });
}

worker.onmessage = (event) => {
  const msg = event.data;
  if (msg.type === "booted") {
    $("py-version").textContent = msg.python;
    setStatus(`Python ready in ${msg.seconds.toFixed(1)} s`);
  } else if (msg.type === "started") {
    clearError();
    adopt(msg.state, true);
    for (const id of ["play", "step", "epoch"]) $(id).disabled = false;
    document.body.dataset.ready = "1";
    setStatus("Ready: press Play");
    selectPoint("train", 0, 0, 0, false);
  } else if (msg.type === "state") {
    adopt(msg.state, false);
    if (msg.rate !== undefined) { $("rate").textContent = msg.rate.toFixed(0); window.nnscalarPlayground.rate = msg.rate; }
    if (!$("tab-optimizer").hidden) refreshTable();
  } else if (msg.type === "paused") {
    setStatus("Paused");
    document.body.dataset.playing = "0";
  } else if (msg.type === "error") {
    showError(msg.message);
    setPlaying(false);
    if (msg.fatal) setStatus("Stopped: see the message above");
  } else if (waiting[msg.id]) {
    waiting[msg.id](msg.reply);
    delete waiting[msg.id];
  }
};

function start() {
  setPlaying(false);
  history = [];
  for (const id of ["play", "step", "epoch"]) $(id).disabled = true;
  document.body.dataset.ready = "0";
  setStatus("Building the network…");
  worker.postMessage({ type: "start", config });
}

function setPlaying(on) {
  playing = on;
  $("play").textContent = on ? "❚❚ Pause" : "▶ Play";
  document.body.dataset.playing = on ? "1" : document.body.dataset.playing;
  if (on) { setStatus("Training…"); worker.postMessage({ type: "play" }); }
  else worker.postMessage({ type: "pause" });
}

function adopt(state, full) {
  if (full) {
    net = state.network;
    points = state.points;
    $("train-command").textContent = net.trainCommand || "";
    $("same-numbers").hidden = !net.trainCommand;
    $("no-command").hidden = Boolean(net.trainCommand);
    buildNetwork();
  }
  weights = state.weights;
  const m = state.metrics;
  history.push(m);
  if (history.length > 4000) history = history.filter((_, i) => i % 2 === 0);
  $("epoch-count").textContent = m.epoch;
  $("step-count").textContent = m.step;
  $("train-loss").textContent = m.trainLoss.toFixed(4);
  $("test-loss").textContent = m.testLoss.toFixed(4);
  $("train-acc").textContent = (100 * m.trainAccuracy).toFixed(1) + " %";
  $("test-acc").textContent = (100 * m.testAccuracy).toFixed(1) + " %";
  window.nnscalarPlayground.metrics = m;
  requestAnimationFrame(draw);
}

// --- the network's forward pass, for the pictures (the numbers come from nnscalar) -------------

const ACTS = {
  linear: (z) => z, relu: (z) => (z > 0 ? z : 0), leaky_relu: (z) => (z > 0 ? z : 0.01 * z),
  elu: (z) => (z > 0 ? z : Math.expm1(z)), sigmoid: (z) => 1 / (1 + Math.exp(-z)), tanh: Math.tanh,
  softplus: (z) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))),
};

function forwardAll(x1, x2) {  // every neuron's output, layer by layer
  const outs = [[x1, x2]];
  let prev = outs[0];
  weights.forEach((layer, li) => {
    const act = ACTS[li === weights.length - 1 ? net.outputActivation : net.activation];
    const cur = layer.map((wb) => {
      let z = wb[wb.length - 1];
      for (let i = 0; i < prev.length; i++) z += wb[i] * prev[i];
      return act(z);
    });
    outs.push(cur);
    prev = cur;
  });
  return outs;
}

function score(out) {  // the output as a class confidence in [-1, 1]: < 0 class 0, > 0 class 1
  if (net.decide === "prob") return 2 * out - 1;
  return Math.tanh(out);
}

function shade(s, depth = 0.55) {  // [-1, 1] -> orange … white … blue (points: full colour)
  const c = s < 0 ? COLORS.c0 : COLORS.c1, a = Math.min(1, Math.abs(s));
  return c.map((v) => Math.round(255 + (v - 255) * a * depth));
}

function paint(ctx, size, values, scale, depth = 0.55) {  // small squares: deeper colours
  const img = ctx.createImageData(size, size);
  for (let i = 0; i < values.length; i++) {
    const [r, g, b] = shade(values[i] / scale, depth);
    img.data.set([r, g, b, 255], 4 * i);
  }
  return img;
}

function draw() {
  if (!weights || !net) return;
  const [x0, x1, y0, y1] = points.view;
  const G = 64, n = G * G;
  const grids = null;
  const per = [];  // per layer, per neuron: values on the grid
  const out = new Float64Array(n);
  for (let r = 0; r < G; r++) {
    const y = y1 - ((r + 0.5) * (y1 - y0)) / G;
    for (let c = 0; c < G; c++) {
      const x = x0 + ((c + 0.5) * (x1 - x0)) / G;
      const outs = forwardAll(x, y);
      outs.forEach((layer, li) => layer.forEach((v, ni) => {
        ((per[li] = per[li] || [])[ni] = per[li][ni] || new Float64Array(n))[r * G + c] = v;
      }));
      out[r * G + c] = score(outs[outs.length - 1][0]);
    }
  }
  // the decision surface
  const canvas = $("surface"), ctx = canvas.getContext("2d");
  const off = document.createElement("canvas");
  off.width = off.height = G;
  off.getContext("2d").putImageData(paint(off.getContext("2d"), G, out, 1), 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
  drawPoints(ctx, canvas.width);
  // every neuron's picture
  document.querySelectorAll("canvas.neuron").forEach((cv) => {
    const li = Number(cv.dataset.layer), ni = Number(cv.dataset.neuron);
    const values = per[li][ni];
    let scale = 0;
    for (const v of values) scale = Math.max(scale, Math.abs(v));
    const last = li === per.length - 1;
    const shown = last ? out : values;
    cv.getContext("2d").putImageData(paint(cv.getContext("2d"), G, shown, last ? 1 : scale || 1, 0.9), 0, 0);
  });
  drawEdges();
  drawCurves();
}

function toCanvas(x, y, size) {
  const [x0, x1, y0, y1] = points.view;
  return [((x - x0) / (x1 - x0)) * size, ((y1 - y) / (y1 - y0)) * size];
}

function drawPoints(ctx, size) {
  const radius = size / 95;
  const sets = $("show-test").checked ? ["train", "test"] : ["train"];
  for (const which of sets) {
    points[which].forEach(([x, y, k], i) => {
      const [px, py] = toCanvas(x, y, size);
      ctx.beginPath();
      ctx.arc(px, py, radius, 0, 2 * Math.PI);
      ctx.fillStyle = `rgb(${COLORS[k ? "c1" : "c0"].join(",")})`;
      ctx.fill();
      ctx.lineWidth = which === "test" ? 2 : 1.2;
      ctx.strokeStyle = which === "test" ? "#111" : "#fff";
      ctx.stroke();
      if (selected.shown && selected.which === which && selected.index === i) {
        ctx.beginPath();
        ctx.arc(px, py, radius * 2.4, 0, 2 * Math.PI);
        ctx.lineWidth = 3;
        ctx.strokeStyle = "#f9ab00";
        ctx.stroke();
      }
    });
  }
}

// --- the network picture ----------------------------------------------------------------------

function buildNetwork() {
  const cols = $("columns");
  cols.innerHTML = "";
  const sizes = net.sizes;
  const tall = Math.max(...sizes);
  // the squares fill the panel's height (set by the output column), as large as fits
  const room = Math.max(300, Math.min(760, $("output-panel").clientHeight - 240));
  const box = Math.max(22, Math.min(72, Math.floor(room / tall) - 6));
  $("shape").textContent = `${sizes.join(" → ")} · ${net.parameters} parameters`;
  sizes.forEach((count, li) => {
    const col = document.createElement("div");
    col.className = "column";
    const title = document.createElement("div");
    title.className = "title";
    const last = li === sizes.length - 1;
    title.textContent = li === 0 ? "inputs" : last ? "output" : `layer ${li}\n${count} neurons`;
    title.style.whiteSpace = "pre-line";
    col.appendChild(title);
    if (li > 0 && !last && !hidden.has("hidden")) {
      const sizer = document.createElement("div");
      sizer.className = "sizer";
      for (const [text, delta] of [["−", -1], ["+", 1]]) {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = text;
        b.title = (delta > 0 ? "Add a neuron to" : "Remove a neuron from") + ` layer ${li}`;
        b.addEventListener("click", () => resize(li - 1, delta));
        sizer.appendChild(b);
      }
      col.appendChild(sizer);
    }
    for (let ni = 0; ni < count; ni++) {
      const cv = document.createElement("canvas");
      cv.width = cv.height = 64;
      cv.style.width = cv.style.height = (last ? box * 1.3 : box) + "px";
      cv.className = "neuron" + (li === 0 ? " input" : "");
      cv.dataset.layer = li;
      cv.dataset.neuron = ni;
      cv.title = li === 0 ? `x${ni + 1}` : last ? "the output neuron: click for its graph" : `L${li}.N${ni + 1}: click for its graph`;
      if (li > 0) cv.addEventListener("click", () => selectNeuron(li, ni + 1));
      col.appendChild(cv);
      if (li === 0) {
        const label = document.createElement("div");
        label.className = "hint";
        label.textContent = `x${ni + 1}`;
        col.appendChild(label);
      }
    }
    cols.appendChild(col);
  });
}

function drawEdges() {
  const svg = $("edges"), host = $("network").getBoundingClientRect();
  const canvases = {};
  document.querySelectorAll("canvas.neuron").forEach((cv) => {
    const r = cv.getBoundingClientRect();
    canvases[cv.dataset.layer + ":" + cv.dataset.neuron] = r;
  });
  let biggest = 0;
  weights.forEach((layer) => layer.forEach((wb) => wb.slice(0, -1).forEach((w) => { biggest = Math.max(biggest, Math.abs(w)); })));
  $("max-weight").textContent = biggest.toFixed(2);
  const lines = [];
  weights.forEach((layer, li) => layer.forEach((wb, ni) => {
    const to = canvases[(li + 1) + ":" + ni];
    wb.slice(0, -1).forEach((w, si) => {
      const from = canvases[li + ":" + si];
      if (!from || !to) return;
      const width = 0.4 + 5.6 * Math.abs(w) / (biggest || 1);
      lines.push(`<line x1="${from.right - host.left}" y1="${from.top + from.height / 2 - host.top}" x2="${to.left - host.left}" y2="${to.top + to.height / 2 - host.top}" stroke="${w >= 0 ? COLORS.pos : COLORS.neg}" stroke-width="${width.toFixed(2)}" stroke-opacity="0.75"><title>${w.toFixed(4)}</title></line>`);
    });
  }));
  svg.innerHTML = lines.join("");
}

function drawCurves() {
  const cv = $("curves"), ctx = cv.getContext("2d"), W = cv.width, H = cv.height;
  ctx.clearRect(0, 0, W, H);
  ctx.font = "12px system-ui, sans-serif";
  const pad = 26;
  ctx.strokeStyle = "#ccc";
  ctx.strokeRect(pad, 4, W - pad - 4, H - 22);
  if (history.length < 1) return;
  const steps = history.map((m) => m.step), last = Math.max(1, steps[steps.length - 1]);
  const top = Math.max(1e-9, ...history.map((m) => Math.max(m.trainLoss, m.testLoss)));
  const X = (s) => pad + ((W - pad - 4) * s) / last, Y = (v) => 4 + (H - 22) * (1 - v);
  const curve = (f, color, width) => {
    ctx.beginPath();
    history.forEach((m, i) => { const p = [X(m.step), Y(f(m))]; if (i) ctx.lineTo(...p); else ctx.moveTo(...p); });
    ctx.strokeStyle = color; ctx.lineWidth = width; ctx.stroke();
  };
  curve((m) => m.testLoss / top, "#999", 2);
  curve((m) => m.trainLoss / top, "#444", 2);
  curve((m) => m.testAccuracy, "#188038", 2.5);
  ctx.fillStyle = "#5f6368";
  ctx.fillText("100%", 0, 14);
  ctx.fillText("0", 12, H - 18);
  ctx.fillText(`updates: ${last}`, W - 100, H - 4);
  ctx.fillText(`loss ÷ ${top.toPrecision(2)}`, pad + 4, H - 4);
}

// --- clicks: a point, a neuron ------------------------------------------------------------------

$("surface").addEventListener("click", (event) => {
  const cv = $("surface"), r = cv.getBoundingClientRect();
  const px = ((event.clientX - r.left) / r.width) * cv.width, py = ((event.clientY - r.top) / r.height) * cv.height;
  let best = null;
  for (const which of $("show-test").checked ? ["train", "test"] : ["train"]) {
    points[which].forEach(([x, y], i) => {
      const [qx, qy] = toCanvas(x, y, cv.width);
      const d = Math.hypot(qx - px, qy - py);
      if (!best || d < best.d) best = { d, which, index: i };
    });
  }
  if (best && best.d < cv.width / 25) selectPoint(best.which, best.index, 0, 0, true);
});

function selectNeuron(layer, neuron) {
  document.querySelectorAll("canvas.neuron.selected").forEach((c) => c.classList.remove("selected"));
  const cv = document.querySelector(`canvas.neuron[data-layer="${layer}"][data-neuron="${neuron - 1}"]`);
  if (cv) cv.classList.add("selected");
  const last = layer === net.sizes.length - 1;
  selectPoint(selected.which, selected.index, last ? layer : layer, neuron, true);
}

// Put into the step page: start at the output, then keep the current step's node in view.
const followSteps = `(function () {
  const g = document.getElementById("graph");
  g.scrollLeft = g.scrollWidth; g.scrollTop = (g.scrollHeight - g.clientHeight) / 2;
  function follow() { setTimeout(function () {
    const node = g.querySelector(".node.current");
    if (node) node.scrollIntoView({ block: "nearest", inline: "center" });
  }, 0); }
  document.addEventListener("click", follow);
  document.addEventListener("keydown", follow);
})();`;

async function selectPoint(which, index, layer, neuron, show) {
  selected = { which, index, shown: show || selected.shown };
  requestAnimationFrame(draw);
  if (!show) return;
  if (playing) setPlaying(false);
  openTab("graph");
  $("graph-note").textContent = "Drawing the graph (Graphviz in WebAssembly)…";
  const reply = await ask("sample", [which, index, layer, neuron]);
  if (reply.error) { $("graph-note").textContent = reply.error; return; }
  $("graph-note").textContent = `${reply.title}: ${reply.steps} backward steps. Use Next ▶ (or →) inside to step through; "Quiz me" hides the gradients until you answer.`;
  const frame = $("graph-frame");
  frame.hidden = false;
  // the graph at its drawn size (scroll to move around), rather than shrunk to the frame
  // (Graphviz's own size, readable from the back of a class; it starts at the output's end,
  // where the backward pass starts)
  frame.srcdoc = reply.html
    .replace("</style>", "#graph { max-height: 66vh; } #graph svg { max-height: none; max-width: none !important; }</style>")
    .replace(/(<svg[^>]*?)style="max-width: ([\d.]+)pt"/, (_, head, w) => `${head}style="width: ${w}pt"`)
    .replace("</body>", `<script>${followSteps}</script></body>`);
}

// --- tabs: optimizer state, accumulation, lessons, share ------------------------------------------

function openTab(name) {
  document.querySelectorAll(".tabs button").forEach((b) => b.classList.toggle("active", b.dataset.tab === name));
  document.querySelectorAll(".tab-panel").forEach((p) => { p.hidden = p.id !== "tab-" + name; });
  if (name === "optimizer") refreshTable();
}
document.querySelectorAll(".tabs button").forEach((b) => b.addEventListener("click", () => openTab(b.dataset.tab)));

const fmt = (v) => (typeof v === "number" ? (v === 0 ? "0" : Math.abs(v) < 1e-3 || Math.abs(v) >= 1e4 ? v.toExponential(3) : v.toFixed(5)) : v);

let tableBusy = false;
async function refreshTable() {
  if (tableBusy || document.body.dataset.ready !== "1") return;
  tableBusy = true;
  const t = await ask("table");
  tableBusy = false;
  if (t.error) return;
  $("optimizer-table").innerHTML = "<thead><tr>" + t.columns.map((c) => `<th>${c}</th>`).join("") +
    "</tr></thead><tbody>" + t.rows.map((r) => "<tr>" + r.map((v) => `<td>${fmt(v)}</td>`).join("") + "</tr>").join("") + "</tbody>";
}

$("acc-run").addEventListener("click", async () => {
  if (playing) setPlaying(false);
  const k = Number($("acc-k").value);
  const r = await ask("accumulation", [k]);
  if (r.error) { $("acc-summary").textContent = r.error; return; }
  const same = r.largest === 0;
  $("acc-summary").innerHTML = `A batch of ${r.batch} samples: largest difference between the two updates = <b class="${same ? "equal" : ""}">${r.largest === 0 ? "0 (identical)" : r.largest.toExponential(2) + " (floating-point rounding only)"}</b>`;
  $("acc-table").innerHTML = `<thead><tr><th>parameter</th><th>update, 1 batch</th><th>update, ${k} mini-batches</th><th>difference</th></tr></thead><tbody>` +
    r.rows.map(([name, a, b]) => `<tr><td>${name}</td><td>${fmt(a)}</td><td>${fmt(b)}</td><td>${fmt(a - b)}</td></tr>`).join("") + "</tbody>";
});

function renderLessons() {
  $("lessons").innerHTML = "";
  for (const l of schema.lessons) {
    const div = document.createElement("div");
    div.className = "lesson" + (lesson.startsWith(l.id + ".") ? " current" : "");
    div.innerHTML = `<h3>${l.title}</h3><div class="parts"></div><p class="text"></p>`;
    const part = lesson.startsWith(l.id + ".") ? Number(lesson.split(".")[1]) : 0;
    l.parts.forEach((p, i) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = p.label;
      if (part === i + 1) b.classList.add("primary");
      b.addEventListener("click", () => applyLesson(l, i));
      div.querySelector(".parts").appendChild(b);
    });
    div.querySelector(".text").textContent = part ? l.parts[part - 1].text : "Press a part to set the playground up for it.";
    $("lessons").appendChild(div);
  }
}

function applyLesson(l, i) {
  lesson = `${l.id}.${i + 1}`;
  config = { ...l.parts[i].config, hidden: [...l.parts[i].config.hidden] };
  syncControls();
  writeHash();
  renderLessons();
  start();
}

function renderHideList() {
  $("hide-list").innerHTML = "";
  for (const key of CONTROLS) {
    const label = document.createElement("label");
    const names = { hidden: "layers and sizes", lr: "learning rate", test_size: "test share", data: "data set" };
    label.innerHTML = `<input type="checkbox" ${hidden.has(key) ? "checked" : ""}> hide ${names[key] || key.replace("_", " ")}`;
    label.querySelector("input").addEventListener("change", (e) => {
      if (e.target.checked) hidden.add(key); else hidden.delete(key);
      applyHidden();
      writeHash();
    });
    $("hide-list").appendChild(label);
  }
}

function applyHidden() {
  document.querySelectorAll("[data-control]").forEach((el) => { el.dataset.hidden = hidden.has(el.dataset.control) ? "1" : "0"; });
  if (net) { buildNetwork(); requestAnimationFrame(draw); }
}

$("copy-link").addEventListener("click", () => { $("share-link").select(); navigator.clipboard?.writeText(location.href).catch(() => {}); });

// --- the controls -------------------------------------------------------------------------------

function fill(id, values, label = String) {
  $(id).innerHTML = values.map((v) => `<option value="${v}">${label(v)}</option>`).join("");
}

function syncControls() {
  document.querySelectorAll("#datasets button").forEach((b) => b.classList.toggle("active", b.dataset.name === config.data));
  for (const key of ["noise", "test_size", "samples", "seed", "activation", "loss", "optimizer", "lr", "batch_size", "accumulation_steps"]) {
    const el = $(key);
    if (el.tagName === "SELECT" && ![...el.options].some((o) => o.value === String(config[key]))) {
      el.insertAdjacentHTML("beforeend", `<option value="${config[key]}">${config[key]}</option>`);
    }
    el.value = String(config[key]);
    if ($(key + "-out")) $(key + "-out").textContent = key === "test_size" ? Math.round(config[key] * 100) + " %" : config[key];
  }
  $("remove-layer").disabled = config.hidden.length === 0;
  $("add-layer").disabled = config.hidden.length >= schema.limits.layers;
}

function change(key, value) {
  linkProblem = "";
  config = { ...config, [key]: value };
  if (key === "data") config.noise = schema.noise[value];
  lesson = "";
  syncControls();
  writeHash();
  renderLessons();
  start();
}

function resize(layer, delta) {
  const sizes = [...config.hidden];
  sizes[layer] = Math.min(schema.limits.width, Math.max(1, sizes[layer] + delta));
  change("hidden", sizes);
}

function datasetButtons() {
  for (const name of schema.choices.data) {
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.name = name;
    b.innerHTML = `<canvas width="56" height="56"></canvas>${name}`;
    b.addEventListener("click", () => change("data", name));
    $("datasets").appendChild(b);
  }
}

function thumbnails() {  // small pictures of each data set: drawn once from a tiny generator
  const shapes = {
    moons: (t) => [[Math.cos(Math.PI * t), Math.sin(Math.PI * t)], [1 - Math.cos(Math.PI * t), 0.5 - Math.sin(Math.PI * t)]],
    circles: (t) => [[Math.cos(2 * Math.PI * t), Math.sin(2 * Math.PI * t)], [0.5 * Math.cos(2 * Math.PI * t), 0.5 * Math.sin(2 * Math.PI * t)]],
    xor: (t) => { const q = Math.floor(t * 4) % 4, j = (t * 40) % 1 - 0.5; const c = [[-1, -1], [1, 1], [-1, 1], [1, -1]][q]; return q < 2 ? [[c[0] + j * 0.8, c[1] - j * 0.6], null] : [null, [c[0] + j * 0.8, c[1] + j * 0.6]]; },
    spirals: (t) => [[t * Math.cos(3 * Math.PI * t), t * Math.sin(3 * Math.PI * t)], [-t * Math.cos(3 * Math.PI * t), -t * Math.sin(3 * Math.PI * t)]],
    blobs: (t) => { const a = 2 * Math.PI * 7 * t, r = 0.35 * ((t * 13) % 1); return [[2 + r * Math.cos(a), r * Math.sin(a)], [-2 + r * Math.cos(a), r * Math.sin(a)]]; },
  };
  document.querySelectorAll("#datasets button").forEach((b) => {
    const ctx = b.querySelector("canvas").getContext("2d"), f = shapes[b.dataset.name];
    const pts = [];
    for (let i = 0; i < 40; i++) f(i / 39).forEach((p, k) => p && pts.push([...p, k]));
    const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
    const cx = (Math.min(...xs) + Math.max(...xs)) / 2, cy = (Math.min(...ys) + Math.max(...ys)) / 2;
    const half = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)) / 2 * 1.2;
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, 56, 56);
    for (const [x, y, k] of pts) {
      ctx.fillStyle = `rgb(${COLORS[k ? "c1" : "c0"].join(",")})`;
      ctx.beginPath(); ctx.arc(28 + ((x - cx) / half) * 28, 28 - ((y - cy) / half) * 28, 2, 0, 7); ctx.fill();
    }
  });
}

function wireControls() {
  fill("activation", schema.choices.activation);
  fill("loss", schema.choices.loss);
  fill("optimizer", schema.choices.optimizer);
  fill("lr", LR_CHOICES);
  fill("batch_size", BATCH_CHOICES);
  fill("accumulation_steps", ACC_CHOICES);
  for (const key of ["activation", "loss", "optimizer"]) $(key).addEventListener("change", (e) => change(key, e.target.value));
  for (const key of ["lr", "batch_size", "accumulation_steps", "seed"]) $(key).addEventListener("change", (e) => change(key, Number(e.target.value)));
  for (const key of ["noise", "test_size", "samples"]) {
    $(key).addEventListener("input", (e) => { $(key + "-out").textContent = key === "test_size" ? Math.round(e.target.value * 100) + " %" : e.target.value; });
    $(key).addEventListener("change", (e) => change(key, Number(e.target.value)));
  }
  $("add-layer").addEventListener("click", () => change("hidden", [...config.hidden, 4]));
  $("remove-layer").addEventListener("click", () => change("hidden", config.hidden.slice(0, -1)));
  $("play").addEventListener("click", () => setPlaying(!playing));
  $("step").addEventListener("click", () => { setPlaying(false); worker.postMessage({ type: "step" }); });
  $("epoch").addEventListener("click", () => { setPlaying(false); worker.postMessage({ type: "epoch" }); });
  $("reset").addEventListener("click", start);
  $("show-test").addEventListener("change", () => requestAnimationFrame(draw));
  document.addEventListener("keydown", (e) => {
    if (["INPUT", "SELECT", "TEXTAREA"].includes(e.target.tagName) || $("play").disabled) return;
    if (e.key === " ") { setPlaying(!playing); e.preventDefault(); }
    else if (e.key === "s") $("step").click();
    else if (e.key === "e") $("epoch").click();
    else if (e.key === "r") $("reset").click();
  });
  window.addEventListener("resize", () => { if (net) { buildNetwork(); requestAnimationFrame(draw); } });
  window.addEventListener("hashchange", () => { config = parseHash(); syncControls(); applyHidden(); renderLessons(); start(); });
}

// --- status and errors --------------------------------------------------------------------------

function setStatus(text) { $("status").textContent = text; }
let linkProblem = "";  // a bad value in the link stays on show; the worker's errors go when fixed
function showError(text) { $("error").textContent = text; $("error").hidden = false; }
function clearError() {
  if (linkProblem) showError(linkProblem); else $("error").hidden = true;
}

// Hooks for the browser tests (and the curious, from the console).
window.nnscalarPlayground = {
  metrics: null, rate: 0,
  config: () => config,
  points: () => points,
  neuronOutputs: (xs) => xs.map(([x, y]) => forwardAll(x, y).slice(1)),
  weights: () => ask("weights"),
};

async function main() {
  const build = await (await fetch("build.json")).json();
  schema = build.schema;
  config = parseHash();
  datasetButtons();
  thumbnails();
  wireControls();
  syncControls();
  applyHidden();
  renderLessons();
  renderHideList();
  if (lesson) openTab("lessons");
  writeHash();
  start();
}
main();
