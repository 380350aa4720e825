// Uploading several beslutsunderlag at once (templates/agenda/item.html).
// Without this script the form works as it is: choose files, each is titled by its file
// name (changed afterwards on the item). With it: a title field per chosen file, filled from
// the file's name, editable before uploading; and files dropped on the documents section go
// into the form's file field.
(function () {
  "use strict";

  // As app.documents.uploads.title_from_filename: no extension, underscores as spaces.
  function titleOf(name) {
    var base = name.replace(/\\/g, "/").split("/").pop();
    var dot = base.lastIndexOf(".");
    if (dot > 0 && /^[A-Za-z0-9]{1,5}$/.test(base.slice(dot + 1))) {
      base = base.slice(0, dot);
    }
    return base.replace(/_/g, " ").replace(/\s+/g, " ").replace(/^[ .]+|[ .]+$/g, "");
  }

  function setUp(form) {
    var input = form.querySelector("input[type=file]");
    var single = document.getElementById("upload-single-title");
    var fieldset = document.getElementById("upload-titles");
    if (!input || !single || !fieldset) {
      return;
    }
    var list = fieldset.querySelector("ol");

    function showTitles() {
      var files = Array.prototype.slice.call(input.files || []);
      list.textContent = "";
      if (files.length === 0) {
        fieldset.hidden = true;
        single.hidden = false;
        single.querySelector("input").disabled = false;
        return;
      }
      // One field per file, sent in the files' order under the single field's name.
      files.forEach(function (file, index) {
        var item = document.createElement("li");
        var field = document.createElement("input");
        var caption = document.createElement("label");
        field.type = "text";
        field.name = "upload-title";
        field.id = "upload-title-" + index;
        field.maxLength = 500;
        field.value = titleOf(file.name);
        caption.htmlFor = field.id;
        caption.textContent = file.name;
        caption.className = "muted";
        item.appendChild(field);
        item.appendChild(document.createTextNode(" "));
        item.appendChild(caption);
        list.appendChild(item);
      });
      fieldset.hidden = false;
      single.hidden = true;
      single.querySelector("input").disabled = true;
    }

    input.addEventListener("change", showTitles);
    showTitles();

    var zone = document.getElementById(form.dataset.dropTarget);
    if (!zone || typeof DataTransfer === "undefined") {
      return;
    }
    document.getElementById("upload-drop-help").hidden = false;
    zone.addEventListener("dragover", function (event) {
      if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0) {
        event.preventDefault();
        zone.classList.add("dropping");
      }
    });
    zone.addEventListener("dragleave", function (event) {
      if (!zone.contains(event.relatedTarget)) {
        zone.classList.remove("dropping");
      }
    });
    zone.addEventListener("drop", function (event) {
      if (!event.dataTransfer || event.dataTransfer.files.length === 0) {
        return;
      }
      event.preventDefault();
      zone.classList.remove("dropping");
      // Dropped files join those already chosen.
      var combined = new DataTransfer();
      Array.prototype.forEach.call(input.files || [], function (file) {
        combined.items.add(file);
      });
      Array.prototype.forEach.call(event.dataTransfer.files, function (file) {
        combined.items.add(file);
      });
      input.files = combined.files;
      showTitles();
      input.focus();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("upload-form");
    if (form) {
      setUp(form);
    }
  });
})();
