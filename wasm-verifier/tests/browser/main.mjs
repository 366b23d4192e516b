// Browser side of wasm-verifier/tests/browser.test.mjs: loads pkg/web, then exposes
//   window.zkagg.ready                 -> Promise resolving to { crossOriginIsolated, userAgent }
//   window.zkagg.runFixture(base, listUrl, label) -> results of cases.mjs for the fixture served at `base`
// and renders the results as a table (for the screenshot).

import init, * as api from "../../pkg/web/zkagg_wasm_verifier.js";
import { loadFixture, runAll } from "../cases.mjs";

async function fetchFile(url, kind) {
  const resp = await fetch(url);
  if (!resp.ok) throw new Error(`GET ${url}: ${resp.status}`);
  return kind === "text" ? resp.text() : new Uint8Array(await resp.arrayBuffer());
}

function render(label, results) {
  const section = document.createElement("section");
  const passed = results.filter((r) => r.pass).length;
  section.innerHTML = `<h2></h2><table><thead><tr><th>status</th><th>expect</th><th>case</th><th>got</th></tr></thead><tbody></tbody></table>`;
  section.querySelector("h2").textContent = `${label}: ${passed}/${results.length} passed`;
  const tbody = section.querySelector("tbody");
  for (const r of results) {
    const tr = document.createElement("tr");
    tr.className = r.pass ? "pass" : "fail";
    for (const [cls, text] of [
      ["status", r.pass ? "PASS" : "FAIL"],
      ["expect", r.expect],
      ["name", r.name],
      ["got", r.pass ? r.got : `${r.got} (${r.detail})`],
    ]) {
      const td = document.createElement("td");
      td.className = cls;
      td.textContent = text;
      tr.appendChild(td);
    }
    tbody.appendChild(tr);
  }
  document.getElementById("results").appendChild(section);
}

const ready = (async () => {
  await init({ module_or_path: new URL("../../pkg/web/zkagg_wasm_verifier_bg.wasm", import.meta.url) });
  const env = { crossOriginIsolated: globalThis.crossOriginIsolated === true, userAgent: navigator.userAgent };
  document.getElementById("env").textContent =
    `${env.userAgent} — crossOriginIsolated: ${env.crossOriginIsolated}`;
  return env;
})();

// `base`: URL of the fixture dir; `listUrl`: URL of a JSON array of the file names it holds.
async function runFixture(base, listUrl, label) {
  await ready;
  const present = new Set(await (await fetch(listUrl)).json());
  const read = (name, kind) => (present.has(name) ? fetchFile(`${base}/${name}`, kind) : null);
  const fx = await loadFixture(
    {
      readText: async (name) => read(name, "text"),
      readBytes: async (name) => read(name, "bytes"),
    },
    label,
  );
  const results = runAll(api, fx);
  render(label, results);
  return results;
}

window.zkagg = { ready, runFixture };
