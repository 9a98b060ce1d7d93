/* Carnet's post form: preview tab, word count, description length, tag suggestions,
   image upload. Loaded with `defer`; no inline script (the site's CSP forbids it).
   Every visible string comes from the server, translated, in data-carnet-labels. */
(function () {
  "use strict";

  function csrfToken(form) {
    const input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (match, key) => (key in values ? values[key] : match));
  }

  // Close to what the site counts once rendered (the text readers see): comments, image
  // markdown, link targets and markup signs are not words.
  function countWords(text) {
    const visible = text
      .replace(/<!--[\s\S]*?-->/g, " ")
      .replace(/!\[[^\]]*\]\([^)]*\)/g, " ")
      .replace(/\]\([^)]*\)/g, " ")
      .replace(/<[^>]+>/g, " ");
    return visible.split(/\s+/).filter((word) => /[\p{L}\p{N}]/u.test(word)).length;
  }

  function setUpBody(body) {
    const labels = JSON.parse(body.dataset.carnetLabels || "{}");
    const form = body.form;

    // Word count and reading time, as the site computes them (200 words a minute).
    const counter = document.createElement("p");
    counter.className = "help carnet-count";
    counter.setAttribute("aria-live", "polite");
    const updateCount = () => {
      const words = countWords(body.value);
      counter.textContent = fill(labels.count, {
        words: words,
        minutes: Math.max(1, Math.ceil(words / 200)),
      });
    };
    body.addEventListener("input", updateCount);
    updateCount();

    // "Write" / "Preview" tabs over the text area.
    const tabs = document.createElement("div");
    tabs.className = "carnet-tabs";
    tabs.setAttribute("role", "tablist");
    const writeTab = document.createElement("button");
    const previewTab = document.createElement("button");
    writeTab.type = previewTab.type = "button";
    writeTab.textContent = labels.write;
    previewTab.textContent = labels.preview;
    writeTab.className = "carnet-tab carnet-tab-write";
    previewTab.className = "carnet-tab carnet-tab-preview";
    tabs.append(writeTab, previewTab);
    const preview = document.createElement("div");
    preview.className = "carnet-preview";
    preview.hidden = true;
    // One block for tabs, text, preview and count: the admin lays a field's row out as a
    // flex line, where they would sit side by side.
    const editor = document.createElement("div");
    editor.className = "carnet-editor";
    body.insertAdjacentElement("beforebegin", editor);
    editor.append(tabs, body, preview, counter);

    const select = (showPreview) => {
      writeTab.setAttribute("aria-selected", String(!showPreview));
      previewTab.setAttribute("aria-selected", String(showPreview));
      body.hidden = showPreview;
      preview.hidden = !showPreview;
    };
    select(false);
    writeTab.addEventListener("click", () => {
      select(false);
      body.focus();
    });
    previewTab.addEventListener("click", async () => {
      select(true);
      preview.textContent = labels.loading;
      const data = new FormData();
      for (const name of ["title", "body", "excerpt", "excerpt_separator"]) {
        const field = form.elements.namedItem(name);
        if (field) data.append(name, field.value);
      }
      const hardWrap = form.elements.namedItem("hard_wrap");
      if (hardWrap && hardWrap.checked) data.append("hard_wrap", "on");
      const asMarkdown = form.elements.namedItem("markdown");
      if (asMarkdown) data.append("markdown", asMarkdown.checked ? "on" : "off");
      try {
        const response = await fetch(body.dataset.previewUrl, {
          method: "POST",
          body: data,
          headers: { "X-CSRFToken": csrfToken(form) },
          credentials: "same-origin",
        });
        if (response.status === 400) {
          // A text the renderer refuses: say why, as saving would.
          const refused = await response.json();
          preview.textContent = (refused.errors || [labels.failed]).join(" ");
          return;
        }
        if (!response.ok) throw new Error(String(response.status));
        const result = await response.json();
        // The HTML comes from the site's own renderer, which sanitises it.
        preview.innerHTML = result.html;
        counter.textContent = result.label;
      } catch (error) {
        preview.textContent = labels.failed;
      }
    });

    setUpUpload(body, labels);
  }

  function insertAtCursor(textarea, text) {
    const start = textarea.selectionStart ?? textarea.value.length;
    const end = textarea.selectionEnd ?? start;
    const before = textarea.value.slice(0, start);
    const after = textarea.value.slice(end);
    const padBefore = before && !before.endsWith("\n\n") ? (before.endsWith("\n") ? "\n" : "\n\n") : "";
    const padAfter = after && !after.startsWith("\n") ? "\n\n" : "";
    textarea.value = before + padBefore + text + padAfter + after;
    const caret = (before + padBefore + text).length;
    textarea.setSelectionRange(caret, caret);
    textarea.dispatchEvent(new Event("input"));
  }

  // Upload the chosen image at once and insert its markdown where the cursor was, so it can
  // be previewed before saving. Without script, saving the post uploads it instead.
  function setUpUpload(body, labels) {
    const file = document.getElementById("id_image");
    const alt = document.getElementById("id_image_alt");
    if (!file || !body.dataset.uploadUrl) return;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button carnet-upload";
    button.textContent = labels.upload;
    const status = document.createElement("p");
    status.className = "help carnet-upload-status";
    status.setAttribute("aria-live", "polite");
    const actions = document.createElement("div");
    actions.className = "carnet-upload-actions";
    actions.append(button, status);
    const row = (alt || file).closest(".form-row");
    if (row) row.append(actions);
    else (alt || file).insertAdjacentElement("afterend", actions);
    button.addEventListener("click", async () => {
      if (!file.files.length) {
        status.textContent = labels.chooseImage;
        return;
      }
      status.textContent = labels.uploading;
      const data = new FormData();
      data.append("file", file.files[0]);
      data.append("alt_text", alt ? alt.value : "");
      try {
        const response = await fetch(body.dataset.uploadUrl, {
          method: "POST",
          body: data,
          headers: { "X-CSRFToken": csrfToken(body.form) },
          credentials: "same-origin",
        });
        const result = await response.json();
        if (!response.ok) {
          status.textContent = (result.errors || [labels.failed]).join(" ");
          return;
        }
        insertAtCursor(body, result.markdown);
        file.value = "";
        if (alt) alt.value = "";
        status.textContent = labels.uploaded + " " + result.markdown;
      } catch (error) {
        status.textContent = labels.failed;
      }
    });
  }

  function setUpDescription(field) {
    const advice = Number(field.dataset.advice || 160);
    const template = field.dataset.counterLabel || "{count}";
    const counter = document.createElement("p");
    counter.className = "help carnet-counter";
    counter.setAttribute("aria-live", "polite");
    const update = () => {
      counter.textContent = fill(template, { count: field.value.length });
      counter.classList.toggle("carnet-too-long", field.value.length > advice);
    };
    field.addEventListener("input", update);
    (field.closest(".flex-container") || field).insertAdjacentElement("afterend", counter);
    update();
  }

  // The field's tags as taggit reads them: separated by commas, except inside double quotes
  // (`"Et moi, même"` is one tag; the server quotes such names in the datalist).
  function tagParts(text) {
    const parts = [""];
    let quoted = false;
    for (const char of text) {
      if (char === '"') quoted = !quoted;
      if (char === "," && !quoted) parts.push("");
      else parts[parts.length - 1] += char;
    }
    return parts;
  }

  function plainName(name) {
    return name.trim().replace(/^"(.*)"$/, "$1").toLowerCase();
  }

  // A datalist completes the whole field; rebuild it so that it completes the tag typed
  // after the last comma, keeping the ones before.
  function setUpTags(input) {
    const list = document.getElementById(input.getAttribute("list"));
    if (!list) return;
    const names = Array.from(list.options, (option) => option.value);
    const update = () => {
      const parts = tagParts(input.value);
      const typed = parts.pop();
      const before = input.value.slice(0, input.value.length - typed.length);
      const prefix = parts.length ? before.trimEnd() + " " : "";
      const used = new Set(parts.map(plainName));
      const options = names
        .filter((name) => !used.has(plainName(name)))
        .map((name) => {
          const option = document.createElement("option");
          option.value = prefix + name;
          return option;
        });
      list.replaceChildren(...options);
    };
    input.addEventListener("input", update);
  }

  function setUpCopy(input) {
    input.addEventListener("focus", () => input.select());
    if (!navigator.clipboard) return;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button carnet-copy-button";
    button.textContent = input.dataset.copyLabel || "⧉";
    button.addEventListener("click", async () => {
      await navigator.clipboard.writeText(input.value);
      button.textContent = input.dataset.copiedLabel || "✓";
    });
    input.insertAdjacentElement("afterend", button);
  }

  function start() {
    document.querySelectorAll("textarea.carnet-markdown[data-preview-url]").forEach(setUpBody);
    document.querySelectorAll("textarea.carnet-description").forEach(setUpDescription);
    document.querySelectorAll("input[list=carnet-tag-names]").forEach(setUpTags);
    document.querySelectorAll("input.carnet-copy").forEach(setUpCopy);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
