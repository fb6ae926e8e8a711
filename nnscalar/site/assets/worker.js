// The playground's Web Worker: Pyodide runs nnscalar here, so the page stays responsive.
// Everything is loaded from this folder (Pyodide, Graphviz-wasm, nnscalar's wheel): no network.
import { loadPyodide } from "./pyodide/pyodide.mjs";
import { instance as vizInstance } from "./viz/viz.js";

let bridge = null;
let playing = false;
let looping = false;
const pending = [];

function call(name, ...args) {
  const reply = JSON.parse(bridge[name](...args));
  return reply;
}

async function boot() {
  const started = performance.now();
  const build = await (await fetch("build.json")).json();
  // Python, Graphviz and the wheel load side by side
  const [pyodide, viz, wheel] = await Promise.all([
    loadPyodide({ indexURL: new URL("./pyodide/", import.meta.url).href }),
    vizInstance(),
    fetch("wheels/" + build.wheel).then((r) => r.arrayBuffer()),
  ]);
  globalThis.nnscalarViz = viz;
  pyodide.unpackArchive(new Uint8Array(wheel), "wheel");
  bridge = pyodide.pyimport("nnscalar.site.bridge");
  postMessage({ type: "booted", seconds: (performance.now() - started) / 1000,
                python: pyodide.runPython("import sys; sys.version.split()[0]") });
  while (pending.length) handle(pending.shift());
}

function progress(reply, extra) {
  if (reply.error) {
    playing = false;
    postMessage({ type: "error", message: reply.error });
  } else {
    postMessage({ type: "state", state: reply, ...extra });
  }
}

async function loop() {
  looping = true;
  let since = performance.now();
  let steps = 0;
  while (playing) {
    const reply = call("train", 0.06, 500);
    steps += reply.ran || 0;
    const now = performance.now();
    progress(reply, { playing, rate: (steps * 1000) / Math.max(now - since, 1) });
    if (now - since > 3000) { since = now; steps = 0; }  // the rate over the last few seconds
    await new Promise((resolve) => setTimeout(resolve, 0));  // let "pause" arrive
  }
  looping = false;
  postMessage({ type: "paused" });
}

function handle(msg) {
  if (!bridge) { pending.push(msg); return; }
  switch (msg.type) {
    case "start": {
      playing = false;
      const reply = call("start", JSON.stringify(msg.config));
      if (reply.error) postMessage({ type: "error", message: reply.error, fatal: true });
      else postMessage({ type: "started", state: reply });
      break;
    }
    case "play":
      playing = true;
      if (!looping) loop();
      break;
    case "pause":
      playing = false;
      break;
    case "step":
      playing = false;
      progress(call("train", 0, 1));
      break;
    case "epoch":
      playing = false;
      progress(call("epoch"));
      break;
    case "table":
    case "sample":
    case "accumulation":
    case "weights": {
      const fn = msg.type === "table" ? "optimizer_table" : msg.type;
      const args = msg.args || [];
      postMessage({ type: msg.type, id: msg.id, reply: call(fn, ...args) });
      break;
    }
  }
}

onmessage = (event) => handle(event.data);
boot().catch((err) => postMessage({ type: "error", message: String(err && err.stack || err), fatal: true }));
