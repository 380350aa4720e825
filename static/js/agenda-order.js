// The agenda editor's drag and drop: an item is dragged by its handle and dropped where it
// should go; the new order is posted (with the order the page showed, so a change by someone
// else in between is refused) and the page comes back renumbered. The handle also answers the
// keyboard: arrow keys move the item, Enter saves the order, Escape puts it back. Without
// JavaScript the "Move up"/"Move down" buttons and the selected-items form do the same.
(function () {
  "use strict";
  var list = document.querySelector("ul.agenda-editor[data-order-form]");
  if (!list) return;
  var form = document.getElementById(list.getAttribute("data-order-form"));
  var status = document.getElementById("item-order-status");
  var shown = form.elements.shown.value;
  var dragged = null;
  // The words come translated from the page (the template's msgids).
  var handleLabel = list.getAttribute("data-handle-label") || "";
  var positionLabel = list.getAttribute("data-position-label") || "{n}/{m}";

  function items() {
    return Array.prototype.filter.call(list.children, function (li) {
      return li.hasAttribute("data-item-id");
    });
  }

  function order() {
    return items().map(function (li) { return li.getAttribute("data-item-id"); }).join(",");
  }

  function save() {
    var now = order();
    if (now === shown) return;
    form.elements.order.value = now;
    form.submit();
  }

  function announce(li) {
    if (!status) return;
    var all = items();
    status.textContent = positionLabel
      .replace("{n}", all.indexOf(li) + 1).replace("{m}", all.length);
  }

  items().forEach(function (li) {
    var handle = document.createElement("button");
    handle.type = "button";
    handle.className = "drag-handle";
    handle.textContent = "⠿";
    handle.setAttribute("aria-label", li.getAttribute("data-item-title") + ": " + handleLabel);
    li.insertBefore(handle, li.firstChild);

    handle.addEventListener("mousedown", function () { li.draggable = true; });
    handle.addEventListener("keydown", function (event) {
      if (event.key === "ArrowUp" && li.previousElementSibling) {
        list.insertBefore(li, li.previousElementSibling);
      } else if (event.key === "ArrowDown" && li.nextElementSibling) {
        list.insertBefore(li.nextElementSibling, li);
      } else if (event.key === "Enter") {
        save();
      } else if (event.key === "Escape") {
        window.location.reload();
      } else {
        return;
      }
      event.preventDefault();
      handle.focus();
      announce(li);
    });
    li.addEventListener("dragstart", function (event) {
      dragged = li;
      li.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", li.getAttribute("data-item-id"));
    });
    li.addEventListener("dragover", function (event) {
      if (!dragged || dragged === li) return;
      event.preventDefault();
      var box = li.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? li.nextSibling : li);
    });
    li.addEventListener("drop", function (event) { event.preventDefault(); });
    li.addEventListener("dragend", function () {
      li.classList.remove("dragging");
      li.draggable = false;
      dragged = null;
      save();
    });
  });
})();
