// The triage queue grid: an accessible HTML table (role=grid), keyboard first.
// Every value is inserted with textContent: customer text never becomes markup.
// Keys: j/k or arrows move, x/space select, a accept, o override, e escalate, Enter open.
// Key events stop here, so JupyterLab never moves notebook cells while the grid has focus.

const ACTION_KEYS = { a: "accept", o: "override", e: "escalate", Enter: "open" };

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "ek-grid";
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  const caption = document.createElement("div");
  caption.className = "ek-grid-caption";
  caption.setAttribute("aria-live", "polite");
  const scroller = document.createElement("div");
  scroller.className = "ek-grid-scroll";
  const table = document.createElement("table");
  table.setAttribute("role", "grid");
  table.setAttribute("aria-label", "Triage queue");
  table.setAttribute("aria-multiselectable", "true");
  table.tabIndex = 0;
  const thead = document.createElement("thead");
  const tbody = document.createElement("tbody");
  table.append(thead, tbody);
  scroller.append(table);
  root.append(caption, scroller);
  el.append(root);

  let rowElements = new Map();
  let picked = new Set(model.get("selected") || []);  // the selection shown
  const prefix = "ek-row-" + Math.random().toString(36).slice(2);

  function rows() {
    return model.get("rows") || [];
  }

  function header() {
    thead.replaceChildren();
    const tr = document.createElement("tr");
    tr.setAttribute("role", "row");
    const pick = document.createElement("th");
    pick.setAttribute("role", "columnheader");
    pick.className = "ek-pick";
    pick.textContent = "✓";
    pick.title = "selected (x or space)";
    tr.append(pick);
    const sortBy = model.get("sort_by");
    const desc = model.get("sort_desc");
    for (const column of model.get("columns") || []) {
      const th = document.createElement("th");
      th.setAttribute("role", "columnheader");
      th.dataset.key = column.key;
      const sorted = column.key === sortBy;
      th.setAttribute("aria-sort", sorted ? (desc ? "descending" : "ascending") : "none");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "ek-sort";
      button.textContent = column.label + (sorted ? (desc ? " ▼" : " ▲") : "");
      button.addEventListener("click", () => {
        if (model.get("sort_by") === column.key) {
          model.set("sort_desc", !model.get("sort_desc"));
        } else {
          model.set("sort_by", column.key);
          model.set("sort_desc", column.key === "severity" || column.key === "age");
        }
        model.save_changes();
      });
      th.append(button);
      tr.append(th);
    }
    thead.append(tr);
  }

  function body() {
    tbody.replaceChildren();
    rowElements = new Map();
    const columns = model.get("columns") || [];
    const selected = picked;
    const cursor = model.get("cursor");
    const fragment = document.createDocumentFragment();
    rows().forEach((row, index) => {
      const tr = document.createElement("tr");
      tr.setAttribute("role", "row");
      tr.dataset.id = row.id;
      tr.id = `${prefix}-${index}`;
      tr.setAttribute("aria-rowindex", String(index + 2));
      tr.setAttribute("aria-selected", selected.has(row.id) ? "true" : "false");
      if (row.id === cursor) tr.classList.add("ek-cursor");
      const pick = document.createElement("td");
      pick.setAttribute("role", "gridcell");
      pick.className = "ek-pick";
      pick.textContent = selected.has(row.id) ? "✓" : "";
      tr.append(pick);
      for (const column of columns) {
        const td = document.createElement("td");
        td.setAttribute("role", "gridcell");
        td.dataset.key = column.key;
        td.textContent = row[column.key] ?? "";
        if (column.key === "title") td.title = row[column.key] ?? "";
        tr.append(td);
      }
      tr.addEventListener("click", (event) => {
        if (event.ctrlKey || event.metaKey || event.target === pick) {
          toggle(row.id);
        } else {
          move(row.id);
        }
        table.focus({ preventScroll: true });
      });
      tr.addEventListener("dblclick", () => action("open"));
      rowElements.set(row.id, tr);
      fragment.append(tr);
    });
    tbody.append(fragment);
    caption.textContent = model.get("caption") || "";
  }

  function showCursor() {
    const cursor = model.get("cursor");
    for (const [id, tr] of rowElements) {
      tr.classList.toggle("ek-cursor", id === cursor);
    }
    const current = rowElements.get(cursor);
    if (current) {
      table.setAttribute("aria-activedescendant", current.id);
      current.scrollIntoView({ block: "nearest" });
    }
  }

  function showSelection() {
    const selected = picked;
    for (const [id, tr] of rowElements) {
      tr.setAttribute("aria-selected", selected.has(id) ? "true" : "false");
      tr.firstChild.textContent = selected.has(id) ? "✓" : "";
    }
  }

  function move(id) {
    if (!id || id === model.get("cursor")) return;
    model.set("cursor", id);
    model.save_changes();
    showCursor();
  }

  function step(delta) {
    const list = rows();
    if (!list.length) return;
    const at = list.findIndex((row) => row.id === model.get("cursor"));
    const next = at < 0 ? 0 : Math.min(Math.max(at + delta, 0), list.length - 1);
    move(list[next].id);
  }

  function toggle(id) {
    if (picked.has(id)) picked.delete(id);
    else picked.add(id);
    showSelection();
    // a message, not a state update: state updates can be buffered and arrive after the kernel
    // has acted on (and cleared) the selection; messages keep their order with the actions
    model.send({ selected: [...picked] });
  }

  function action(name) {
    // the cursor and selection travel with the action: a state update may still be buffered
    // behind an earlier one, and the action must act on what the analyst sees
    model.send({ action: name, ticket_id: model.get("cursor"), selected: [...picked] });
  }

  function onKey(event) {
    event.stopPropagation();
    if (event.type !== "keydown" || event.altKey || event.ctrlKey || event.metaKey) return;
    const key = event.key;
    if (key === "j" || key === "ArrowDown") step(1);
    else if (key === "k" || key === "ArrowUp") step(-1);
    else if (key === "PageDown") step(10);
    else if (key === "PageUp") step(-10);
    else if (key === "Home") step(-rows().length);
    else if (key === "End") step(rows().length);
    else if (key === "x" || key === " ") toggle(model.get("cursor"));
    else if (key in ACTION_KEYS) action(ACTION_KEYS[key]);
    else return;
    event.preventDefault();
  }

  for (const type of ["keydown", "keypress", "keyup"]) {
    root.addEventListener(type, onKey);
  }

  header();
  body();
  showCursor();
  model.on("change:rows", () => {
    body();
    showCursor();
  });
  model.on("change:columns", () => {
    header();
    body();
  });
  model.on("change:sort_by", header);
  model.on("change:sort_desc", header);
  model.on("change:cursor", showCursor);
  model.on("change:selected", () => {
    picked = new Set(model.get("selected") || []);  // the kernel's word wins
    showSelection();
  });
  model.on("change:caption", () => {
    caption.textContent = model.get("caption") || "";
  });
  model.on("msg:custom", (message) => {
    if (message && message.focus) table.focus({ preventScroll: true });
  });
}

export default { render };
