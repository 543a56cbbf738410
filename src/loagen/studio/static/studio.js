// loagen studio: small enhancements. Every page works without this file; with it, lists
// filter as you type, forms are checked as you edit them, optional parts fold away, and the
// batch shows its progress live.
"use strict";

(function () {
  const csrf = document.body.dataset.csrf || "";

  function debounce(fn, ms) {
    let timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  // -- lists: filter rows as you type ------------------------------------------------------------
  document.querySelectorAll("[data-live-filter]").forEach(function (input) {
    const table = document.getElementById(input.dataset.liveFilter);
    if (!table) return;
    const groups = table.querySelectorAll("tbody.case-group");
    function apply() {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      const match = (text) => words.every((w) => text.toLowerCase().includes(w));
      if (groups.length) {
        groups.forEach(function (group) {
          const text = Array.from(group.querySelectorAll("[data-filter-text]"))
            .map((row) => row.dataset.filterText).join(" ");
          group.hidden = !match(text);
        });
      } else {
        table.querySelectorAll("tbody tr[data-filter-text]").forEach(function (row) {
          row.hidden = !match(row.dataset.filterText);
        });
      }
    }
    input.addEventListener("input", apply);
  });

  // -- optional parts of a form fold away when not included ---------------------------------------
  document.querySelectorAll("input[data-toggles]").forEach(function (box) {
    const body = document.getElementById(box.dataset.toggles);
    if (!body) return;
    const sync = () => { body.hidden = !box.checked; };
    box.addEventListener("change", sync);
    sync();
  });

  // -- fields only some kinds of document use follow the document's kind ---------------------------
  // (the server leaves them out on the first page; see forms.FOR_KINDS). A field that holds a
  // value stays in view whatever the kind, so that nothing typed is hidden.
  const kindSelect = document.getElementById("f-document-kind");
  if (kindSelect) {
    const holdsValue = function (el) {
      if (el.querySelector("table")) return true;  // rows of a list
      return Array.from(el.querySelectorAll("input, textarea, select")).some(function (input) {
        if (input.type === "hidden") return false;
        if (input.type === "checkbox" || input.type === "radio") return input.checked;
        return input.value !== "";
      });
    };
    kindSelect.addEventListener("change", function () {
      document.querySelectorAll("[data-kinds]").forEach(function (el) {
        const used = el.dataset.kinds.split(" ").indexOf(kindSelect.value) >= 0;
        el.hidden = !used && kindSelect.value !== "" && !holdsValue(el);
      });
    });
  }

  // -- a form is sent once: a second click before the next page shows sends nothing ---------------
  document.querySelectorAll("form").forEach(function (form) {
    if ((form.getAttribute("method") || "").toLowerCase() !== "post") return;
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) {
        event.preventDefault();
        return;
      }
      form.dataset.sent = "1";
      // disabled after the browser has taken the form's data (the button pressed included)
      setTimeout(function () {
        Array.from(form.elements).forEach(function (el) {
          if (el.type === "submit" && !el.disabled) {
            el.disabled = true;
            el.dataset.sending = "1";
          }
        });
        form.setAttribute("aria-busy", "true");
      }, 0);
    });
  });
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;  // a page shown again from the browser's memory (Back)
    document.querySelectorAll("form[data-sent]").forEach(function (form) {
      delete form.dataset.sent;
      form.removeAttribute("aria-busy");
      Array.from(form.elements).forEach(function (el) {
        if (el.dataset.sending) {
          el.disabled = false;
          delete el.dataset.sending;
        }
      });
    });
  });

  // -- typing not saved is not lost by leaving the page: the browser asks first --------------------
  ["case-form", "note-form", "terms-form"].forEach(function (id) {
    const form = document.getElementById(id);
    if (!form) return;
    const opened = formText(form).toString();
    let sending = false;
    form.addEventListener("submit", function () { sending = true; });  // Check, Save, rows
    // "Discard my edit" only when there is one: sent (data-edited) or typed since the page opened
    const discard = form.querySelector("a.discard");
    if (discard && !discard.dataset.edited) {
      form.addEventListener("input", function () {
        discard.hidden = formText(form).toString() === opened;
      });
    }
    window.addEventListener("pageshow", function () { sending = false; });
    window.addEventListener("beforeunload", function (event) {
      // (a page the studio sent back after Check or a row added holds what is not saved yet)
      if (sending || (!form.dataset.unsaved && formText(form).toString() === opened)) return;
      event.preventDefault();
      event.returnValue = "";  // (older browsers ask only when this is set)
    });
  });

  // -- a problem said at a line of a text box: its link selects that line, scrolled into view -----
  // (on the document: the live check of the Standard Terms writes its problems' links anew)
  document.addEventListener("click", function (event) {
    const link = event.target.closest && event.target.closest("a[data-line]");
    if (!link) return;
    const box = document.getElementById(link.getAttribute("href").slice(1));
    if (!box || box.tagName !== "TEXTAREA") return;
    event.preventDefault();
    const lines = box.value.split("\n");
    const n = Math.min(Math.max(parseInt(link.dataset.line, 10) || 1, 1), lines.length);
    let start = 0;
    for (let i = 0; i < n - 1; i++) start += lines[i].length + 1;
    // how far down the line is, long lines wrapped: measured on a hidden copy of the box
    const copy = box.cloneNode(false);
    copy.removeAttribute("id");
    copy.removeAttribute("name");
    copy.setAttribute("aria-hidden", "true");
    copy.tabIndex = -1;
    copy.style.position = "absolute";
    copy.style.visibility = "hidden";
    copy.style.height = "0";
    copy.style.width = box.clientWidth + "px";
    copy.value = box.value.slice(0, start);
    box.after(copy);
    const above = copy.scrollHeight;
    copy.remove();
    box.scrollIntoView({ block: "center" });
    box.focus({ preventScroll: true });
    box.setSelectionRange(start, start + lines[n - 1].length);
    box.scrollTop = Math.max(0, above - box.clientHeight / 3);
  });

  // -- "go back" links (a refused form: what was typed is in the previous page) -------------------
  document.querySelectorAll("a[data-back]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (history.length > 1) {
        event.preventDefault();
        history.back();
      }
    });
  });

  // -- after adding or moving a row, show it ------------------------------------------------------
  const focus = document.querySelector("[data-focus]");
  if (focus) {
    const target = document.getElementById(focus.dataset.focus);
    if (target) target.scrollIntoView({ block: "center" });
  }

  // -- a problem's link ("Line 005", above the form) takes the keyboard to the field it names:
  // a link to a part of the page only scrolls, and the next Tab would start from the top ---------
  document.addEventListener("click", function (event) {
    const link = event.target.closest && event.target.closest("a.where[href^='#']");
    if (!link) return;
    const at = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    const input = at && (at.matches("input, select, textarea") ? at
      : at.querySelector("input:not([type=hidden]), select, textarea"));
    if (!input) return;
    event.preventDefault();
    input.focus({ preventScroll: true });
    input.scrollIntoView({ block: "center" });
    history.replaceState(null, "", link.getAttribute("href"));
  });

  // -- a case just started, or a row added: the keyboard starts at its first field -------------
  const start = document.querySelector("[data-focus-field]");
  if (start) {
    const at = document.getElementById(start.dataset.focusField);
    const input = at && (at.matches("input, select, textarea") ? at
      : at.querySelector("input:not([type=hidden]), select, textarea"));
    if (input) {
      input.focus({ preventScroll: true });
      input.scrollIntoView({ block: "center" });
    }
  }

  // The fields of a form as text, without the spreadsheet import's controls (its file and mode).
  function formText(form) {
    const body = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && !name.startsWith("import_")) body.append(name, value);
    });
    return body;
  }

  // -- live checks of the case form, the note form and the Standard Terms' text ------------------
  function liveCheck(form, summaryId) {
    const url = form.dataset.checkUrl;
    const status = document.getElementById("live-status");
    let seq = 0;
    async function run() {
      const mine = ++seq;
      if (status && !status.dataset.kept) status.textContent = "Checking…";
      const body = formText(form);
      let reply;
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: { "X-CSRF-Token": csrf },
          body: body,
          credentials: "same-origin",
        });
        if (response.status === 403) {
          // the studio no longer accepts this page (it was restarted with another secret, or
          // the page is from an earlier browser session): saving from it would be refused too
          if (status) {
            status.textContent = "This page is out of date: the studio no longer accepts it. " +
              "Copy what you changed, reload the page, and make your changes again.";
            status.classList.add("stale");
          }
          return;
        }
        if (response.status === 410) {
          // the file was deleted (or moved) after the page opened: said, not "the studio
          // may have stopped" (Save then offers to write the typing again as that file)
          const gone = await response.json();
          if (status) {
            status.textContent = gone.gone;
            status.classList.add("stale");
          }
          return;
        }
        if (!response.ok) throw new Error(response.status);
        reply = await response.json();
      } catch (e) {
        if (status) status.textContent = "Could not check (the studio may have stopped).";
        return;
      }
      if (status) status.classList.remove("stale");
      if (mine !== seq) return;
      if (summaryId && reply.summary !== undefined) {
        document.getElementById(summaryId).innerHTML = reply.summary;
      }
      form.querySelectorAll(".msgs").forEach((box) => { box.innerHTML = ""; });
      form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
      Object.entries(reply.fields || {}).forEach(function ([id, html]) {
        const box = document.getElementById(id + "-msgs");
        if (box) box.innerHTML = html;
        const input = document.getElementById(id);
        if (input && /^(INPUT|SELECT|TEXTAREA)$/.test(input.tagName)) {
          input.setAttribute("aria-invalid", "true");
        }
      });
      // What the document reads where a field is left empty (the State description ...).
      form.querySelectorAll("p.computed").forEach((p) => { p.hidden = true; });
      Object.entries(reply.computed || {}).forEach(function ([id, text]) {
        const input = document.getElementById(id);
        if (!input || input.value.trim()) return;
        let said = document.getElementById(id + "-computed");
        if (!said) {
          const msgs = document.getElementById(id + "-msgs");
          if (!msgs) return;
          said = document.createElement("p");
          said.className = "computed";
          said.id = id + "-computed";
          said.append("Left empty, the document reads: ", document.createElement("q"));
          msgs.before(said);
        }
        said.querySelector("q").textContent = text;
        said.hidden = false;
      });
      if (status && !status.dataset.kept) {
        const n = reply.problems === undefined ? 0
          : (typeof reply.problems === "number" ? reply.problems : reply.problems.length);
        const f = reply.findings || 0;
        status.textContent = n
          ? `${n} problem${n === 1 ? "" : "s"} to fix`
          : (f ? `Valid; ${f} check finding${f === 1 ? "" : "s"}` : "No problems");
      }
    }
    const later = debounce(run, 700);
    form.addEventListener("input", later);
    form.addEventListener("change", later);
  }
  const caseForm = document.getElementById("case-form");
  if (caseForm) liveCheck(caseForm, "summary");

  // -- a file saved elsewhere (another tab, someone else) is said at once, not only on Save ---------
  document.querySelectorAll("form[data-sha-url]").forEach(function (form) {
    const opened = form.querySelector("input[name=_sha]");
    if (!opened) return;
    const asOpened = formText(form).toString();
    let warned = false;
    async function look() {
      if (warned || form.dataset.sent || document.hidden) return;
      let reply;
      try {
        const response = await fetch(form.dataset.shaUrl, { credentials: "same-origin" });
        if (!response.ok) return;
        reply = await response.json();
      } catch (e) {
        return;  // the studio stopped: saving says so
      }
      if (!reply.sha || reply.sha === opened.value || form.dataset.sent) return;
      warned = true;
      const box = document.createElement("section");
      box.className = "panel conflict";
      box.id = "saved-elsewhere";
      box.setAttribute("role", "alert");
      const heading = document.createElement("h2");
      heading.textContent = "Saved elsewhere since you opened this page";
      const text = document.createElement("p");
      const link = document.createElement("a");
      link.href = location.pathname;
      const changed = formText(form).toString() !== asOpened;
      if (changed) {
        text.append("This file was saved in another tab or by someone else. Your changes here " +
          "are not saved, and saving them would be refused. ");
        link.textContent = "Open the saved version in a new tab";
        link.target = "_blank";
        link.rel = "noopener";
        text.append(link, ", look at what changed, and make your changes there.");
      } else {
        text.append("This file was saved in another tab or by someone else. ");
        link.textContent = "Reload the page";
        text.append(link, " to see it as saved now, before you change it here.");
      }
      box.append(heading, text);
      form.before(box);
      const status = document.getElementById("live-status");
      if (status) {  // the bar at the foot of the window, in view wherever the form is scrolled
        status.textContent = "Saved elsewhere since you opened this page: see the message " +
          "above the form.";
        status.classList.add("stale");
        status.dataset.kept = "1";  // the live check does not write over it
      }
    }
    setInterval(look, 5000);
    document.addEventListener("visibilitychange", look);
  });

  // -- the spreadsheet import starts from the file as saved: not with changes in the form ---------
  const importButton = document.getElementById("import-button");
  if (caseForm && importButton) {
    const asOpened = formText(caseForm).toString();
    importButton.addEventListener("click", function (event) {
      const warning = document.getElementById("import-unsaved");
      if (formText(caseForm).toString() !== asOpened) {
        event.preventDefault();  // (the studio refuses it too, and keeps the changes)
        warning.hidden = false;
        warning.scrollIntoView({ block: "center" });
      } else {
        warning.hidden = true;
      }
    });
  }
  const noteForm = document.getElementById("note-form");
  if (noteForm) liveCheck(noteForm, null);
  const termsForm = document.getElementById("terms-form");
  if (termsForm) liveCheck(termsForm, "terms-problems");

  // -- the batch's progress -----------------------------------------------------------------------
  const batch = document.getElementById("batch");
  if (batch && ["loading", "running"].includes(batch.dataset.state)) {
    const words = {
      loading: "Finding the documents and reading their manifests…",
      running: "Building…", done: "Done.", stopped: "Stopped.",
    };
    async function poll() {
      let p;
      try {
        const response = await fetch(batch.dataset.progressUrl, { credentials: "same-origin" });
        p = await response.json();
      } catch (e) {
        setTimeout(poll, 2000);
        return;
      }
      document.getElementById("batch-status").hidden = false;
      document.getElementById("batch-state").textContent = words[p.state] || p.state;
      document.getElementById("batch-counts").textContent = p.counts_text;
      const bar = document.getElementById("batch-bar");
      bar.max = p.to_do || 1;
      bar.value = p.done;
      document.getElementById("batch-times").textContent =
        `elapsed ${p.elapsed} s` + (p.left !== null ? `, about ${p.left} s left` : "");
      document.getElementById("batch-summary").textContent = p.summary || "";
      const list = document.getElementById("batch-failed-list");
      if (p.failed.length) {
        document.getElementById("batch-failed").hidden = false;
        list.replaceChildren(...p.failed.map(function (f) {
          const li = document.createElement("li");
          li.className = "error";
          const a = document.createElement("a");
          a.className = "where";
          a.href = "/doc/" + f.document;
          a.textContent = f.document;
          li.append(a);
          const ul = document.createElement("ul");
          f.problems.forEach(function (text) {
            const item = document.createElement("li");
            item.textContent = text;
            ul.append(item);
          });
          li.append(ul);
          return li;
        }));
      }
      if (p.state === "loading" || p.state === "running") {
        setTimeout(poll, 500);
      } else {
        batch.dataset.state = p.state;
        document.getElementById("batch-start").disabled = false;
        if (p.error) document.getElementById("batch-summary").textContent = p.error;
      }
    }
    poll();
  }
})();
