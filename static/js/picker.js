// People pickers that search as you type (a body of 109 people is not a plain select).
//
// The server renders a plain <select data-picker> and validates what it posts, so the form
// works without this script. Here a single choice becomes an ARIA 1.2 combobox with a listbox
// popup (WAI-ARIA APG "editable combobox with list autocomplete"): typing filters the
// options, ArrowDown/ArrowUp move through them, Enter chooses, Escape closes or restores,
// and a live region says how many match. A select of several choices (justerare) keeps the
// native list and gets a filter box above it. The select stays in the form and carries the
// value; the texts come translated from this script's data attributes (templates/base.html).
(function () {
  "use strict";
  var script = document.currentScript;
  var text = {
    filter: (script && script.dataset.filterLabel) || "Filter the list",
    none: (script && script.dataset.noMatch) || "No match",
    matches: (script && script.dataset.matches) || "{n} matches",
  };
  var counter = 0;

  // Lower case without accents, so "asa" finds "Åsa Öberg"; every word typed must occur.
  function fold(value) {
    return value.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function matcher(query) {
    var words = fold(query).split(/\s+/).filter(Boolean);
    return function (label) {
      var folded = fold(label);
      return words.every(function (word) { return folded.indexOf(word) !== -1; });
    };
  }
  function isBlank(option) {
    return option.value === "" || option.value === "None";
  }
  function announce(status, count) {
    status.textContent = count ? text.matches.replace("{n}", count) : text.none;
  }
  function liveRegion(after) {
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    after.insertAdjacentElement("afterend", status);
    return status;
  }

  function combobox(select) {
    var id = select.id || "picker-" + ++counter;
    select.id = id;
    var wrap = document.createElement("div");
    wrap.className = "picker";
    var input = document.createElement("input");
    input.type = "text";
    input.id = id + "-search";
    input.autocomplete = "off";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id + "-list");
    ["aria-describedby", "aria-invalid"].forEach(function (name) {
      if (select.hasAttribute(name)) input.setAttribute(name, select.getAttribute(name));
    });
    var list = document.createElement("ul");
    list.id = id + "-list";
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var label = document.querySelector('label[for="' + id + '"]');
    if (label) {
      label.id = label.id || id + "-label";
      label.htmlFor = input.id;
      list.setAttribute("aria-labelledby", label.id);
    }
    var options = Array.prototype.slice.call(select.options);
    var items = options.map(function (option, index) {
      var item = document.createElement("li");
      item.id = id + "-option-" + index;
      item.setAttribute("role", "option");
      item.textContent = option.text;
      item.option = option;
      list.appendChild(item);
      return item;
    });
    wrap.appendChild(input);
    wrap.appendChild(list);
    select.insertAdjacentElement("afterend", wrap);
    var status = liveRegion(wrap);
    // The select keeps the value the form posts; the combobox is what one sees and uses.
    select.hidden = true;
    select.tabIndex = -1;
    input.required = select.required;
    select.required = false;
    var active = null;

    function selectedLabel() {
      var option = select.options[select.selectedIndex];
      return option && !isBlank(option) ? option.text : "";
    }
    function visible() {
      return items.filter(function (item) { return !item.hidden; });
    }
    function setActive(item) {
      if (active) active.classList.remove("active");
      active = item;
      if (item) {
        item.classList.add("active");
        input.setAttribute("aria-activedescendant", item.id);
        item.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function open() {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      setActive(null);
    }
    function filter() {
      var matches = matcher(input.value);
      var count = 0;
      items.forEach(function (item) {
        item.hidden = isBlank(item.option) ? input.value.trim() !== "" : !matches(item.option.text);
        item.setAttribute("aria-selected", item.option.selected ? "true" : "false");
        if (!item.hidden) count++;
      });
      setActive(null);
      announce(status, count);
    }
    function choose(item) {
      select.value = item.option.value;
      input.value = selectedLabel();
      select.dispatchEvent(new Event("change", { bubbles: true }));
      close();
    }
    // Leaving the field: an exact or a single match is chosen, anything else is undone,
    // so what the field shows is always what the form will post.
    function settle() {
      var typed = input.value.trim();
      if (typed === selectedLabel()) return;
      var blank = items.filter(function (item) { return isBlank(item.option); })[0];
      if (typed === "" && blank) return choose(blank);
      var exact = items.filter(function (item) {
        return fold(item.option.text) === fold(typed);
      });
      var shown = visible().filter(function (item) { return !isBlank(item.option); });
      if (exact.length === 1) return choose(exact[0]);
      if (typed !== "" && shown.length === 1) return choose(shown[0]);
      input.value = selectedLabel();
    }

    input.value = selectedLabel();
    input.addEventListener("input", function () {
      filter();
      open();
    });
    input.addEventListener("click", function () {
      filter();
      open();
    });
    input.addEventListener("keydown", function (event) {
      var shown = visible();
      var at = shown.indexOf(active);
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (list.hidden) {
          filter();
          open();
          shown = visible();
          at = -1;
        }
        if (!shown.length) return;
        var next = event.key === "ArrowDown" ? at + 1 : at - 1;
        if (next < 0) next = shown.length - 1;
        if (next >= shown.length) next = 0;
        setActive(shown[next]);
      } else if (event.key === "Enter") {
        if (!list.hidden && active) {
          event.preventDefault();
          choose(active);
        } else if (!list.hidden) {
          event.preventDefault();
          settle();
          close();
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) {
          event.preventDefault();
          close();
        } else {
          input.value = selectedLabel();
        }
      }
    });
    input.addEventListener("blur", function () {
      settle();
      close();
    });
    // Keep the focus in the field while the pointer picks an option.
    list.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
    list.addEventListener("click", function (event) {
      var item = event.target.closest("[role=option]");
      if (item) choose(item);
    });
  }

  function filterBox(select) {
    var id = select.id || "picker-" + ++counter;
    select.id = id;
    var field = document.createElement("div");
    field.className = "picker-filter";
    var label = document.createElement("label");
    label.htmlFor = id + "-filter";
    label.textContent = text.filter;
    var input = document.createElement("input");
    input.type = "search";
    input.id = id + "-filter";
    input.autocomplete = "off";
    input.setAttribute("aria-controls", id);
    field.appendChild(label);
    field.appendChild(input);
    select.insertAdjacentElement("beforebegin", field);
    var status = liveRegion(input);
    input.addEventListener("input", function () {
      var matches = matcher(input.value);
      var count = 0;
      // A chosen option stays in view: hiding it would hide that it is chosen.
      Array.prototype.forEach.call(select.options, function (option) {
        option.hidden = !option.selected && !matches(option.text);
        if (!option.hidden) count++;
      });
      announce(status, count);
    });
  }

  document.querySelectorAll("select[data-picker]").forEach(function (select) {
    if (select.multiple) filterBox(select);
    else combobox(select);
  });
})();
