// Copy-ready text: shown as text (textContent, never markup), a Copy button and a download.

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "ek-copy";
  const bar = document.createElement("div");
  bar.className = "ek-copy-bar";
  const label = document.createElement("strong");
  const copy = document.createElement("button");
  copy.type = "button";
  copy.textContent = "Copy";
  const download = document.createElement("a");
  download.textContent = "Download";
  download.className = "ek-download";
  const status = document.createElement("span");
  status.setAttribute("aria-live", "polite");
  const pre = document.createElement("pre");
  pre.className = "ek-copy-text";
  pre.tabIndex = 0;
  bar.append(label, copy, download, status);
  root.append(bar, pre);
  el.append(root);
  let url = null;

  function show() {
    const text = model.get("text") || "";
    label.textContent = model.get("label") || "";
    pre.textContent = text;
    root.hidden = !text;
    if (url) URL.revokeObjectURL(url);
    url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
    download.href = url;
    download.download = model.get("filename") || "text.txt";
    status.textContent = "";
  }

  copy.addEventListener("click", async () => {
    const text = model.get("text") || "";
    try {
      await navigator.clipboard.writeText(text);
      status.textContent = "copied";
    } catch (error) {
      const range = document.createRange();
      range.selectNodeContents(pre);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      status.textContent = "selected: press Ctrl+C to copy";
    }
  });
  root.addEventListener("keydown", (event) => event.stopPropagation());
  show();
  model.on("change:text", show);
  model.on("change:label", show);
  model.on("change:filename", show);
}

export default { render };
