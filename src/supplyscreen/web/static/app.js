// supplyscreen web app: drag-and-drop upload with a progress bar, screening progress, auto-applied filters.
// Everything works without this script too (plain forms and a refreshing progress page).
"use strict";

function $(id) { return document.getElementById(id); }

function setupUpload() {
  const form = $("upload");
  if (!form) return;
  const input = $("files"), zone = $("dropzone"), chosen = $("chosen");
  const status = $("upload-status"), bar = $("upload-progress");
  const maxBytes = Number(form.dataset.maxBytes || 0);
  const show = () => {
    const names = Array.from(input.files).map((f) => f.name);
    chosen.textContent = names.join(", ");
  };
  input.addEventListener("change", show);
  ["dragenter", "dragover"].forEach((ev) => zone.addEventListener(ev, (e) => {
    e.preventDefault(); zone.classList.add("over");
  }));
  ["dragleave", "drop"].forEach((ev) => zone.addEventListener(ev, (e) => {
    e.preventDefault(); zone.classList.remove("over");
  }));
  zone.addEventListener("drop", (e) => {
    if (e.dataTransfer && e.dataTransfer.files.length) { input.files = e.dataTransfer.files; show(); }
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    let total = 0;
    for (const el of form.querySelectorAll("input[type=file]")) for (const f of el.files) total += f.size;
    if (!input.files.length) { status.textContent = "Choose at least one spreadsheet."; return; }
    if (maxBytes && total > maxBytes) {
      status.textContent = `The upload is ${(total / 1048576).toFixed(1)} MB, over the ${(maxBytes / 1048576).toFixed(0)} MB limit: split the spreadsheet into smaller files.`;
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true; bar.hidden = false; bar.value = 0; status.textContent = "Uploading…";
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", (p) => {
      if (p.lengthComputable) { bar.value = (100 * p.loaded) / p.total; }
      if (p.loaded === p.total) status.textContent = "Reading the columns…";
    });
    xhr.addEventListener("load", () => {
      if (xhr.status < 400) { window.location.assign(xhr.responseURL); return; }
      const doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      const box = doc.querySelector(".error-box");
      status.textContent = box ? box.textContent.replace(/\s+/g, " ").trim() : `Upload failed (${xhr.status}).`;
      button.disabled = false; bar.hidden = true;
    });
    xhr.addEventListener("error", () => {
      status.textContent = "The upload was cut off (too large, or the server stopped).";
      button.disabled = false; bar.hidden = true;
    });
    xhr.send(new FormData(form));
  });
}

function setupProgress() {
  const box = $("progress");
  if (!box) return;
  const bar = $("progress-bar"), text = $("progress-text");
  const started = Date.now();
  const poll = async () => {
    try {
      const r = await fetch(box.dataset.statusUrl, { credentials: "omit", headers: { Accept: "application/json" } });
      const run = await r.json();
      if (run.status !== "queued" && run.status !== "running") { window.location.assign(box.dataset.pageUrl); return; }
      const p = run.progress;
      bar.max = Math.max(1, p.total); bar.value = p.done;
      const secs = Math.round((Date.now() - started) / 1000);
      if (run.status === "queued") text.textContent = `Waiting for a free screening slot · ${secs} s`;
      else if (p.total && p.done >= p.total) text.textContent = `All ${p.total} rows screened; writing the reports · ${secs} s`;
      else text.textContent = `Screening: ${p.done} of ${p.total} rows done · ${secs} s`;
    } catch (err) { text.textContent = "Waiting for the server…"; }
    setTimeout(poll, 400);
  };
  setTimeout(poll, 200);
}

function setupFilters() {
  const form = $("filters");
  if (!form) return;
  for (const sel of form.querySelectorAll("select")) sel.addEventListener("change", () => form.submit());
}

function setupMapping() {
  const form = $("mapping");
  if (!form) return;
  form.addEventListener("submit", () => { const b = $("screen-button"); if (b) { b.disabled = true; b.textContent = "Starting…"; } });
}

// Forms that destroy something ask first (data-confirm: the question).
function setupConfirm() {
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (e) => { if (!window.confirm(form.dataset.confirm)) e.preventDefault(); });
  }
}

document.addEventListener("DOMContentLoaded", () => { setupUpload(); setupProgress(); setupFilters(); setupMapping(); setupConfirm(); });
