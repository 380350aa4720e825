// An item's record page has one form for the decision (Sammanfattning, Beslut, …) and a form
// each for the parts (yrkande, jäv, omröstning, reservation, anteckning, uppdrag, a Remove
// button). Each posts on its own and reloads the page, so text typed in the decision form and
// not yet saved would be lost when another form is used. This module keeps it:
//
// - When another form on the page is submitted while the decision form holds unsaved text, the
//   decision form is saved first (posted in the background with its CSRF token and the version
//   it was loaded from), then the other form is submitted as the secretary asked.
// - When the decision cannot be saved (someone else saved it since the page was loaded, or the
//   server refuses it), nothing else is submitted: the decision form is replaced by the server's
//   answer (the saved version beside what was typed, or the errors), the reason is announced,
//   and what was typed in the other form stays where it is. After a conflict, saving the
//   decision over the other version is left to its own Save button, never done on the way.
// - Text typed in a part's form and not added is asked about before another form is sent.
// - Leaving the page (a link, reload, closing the tab) with unsaved text asks first.
//
// Without JavaScript every form posts on its own, as before.
(function () {
  "use strict";
  var decision = document.getElementById("decision-form");
  if (!decision || !window.fetch || !window.FormData) return;

  function serialise(form) {
    return new URLSearchParams(new FormData(form)).toString();
  }

  // The decision form as last saved: as the page was loaded, unless the page is the server's
  // answer to a decision it did not save (what was typed is then not saved either).
  var saved = decision.hasAttribute("data-unsaved") ? null : serialise(decision);
  // The last save met a version saved by someone else: saving over it is for the decision's
  // own Save button only.
  var conflicted = document.querySelector("section.conflict") !== null;
  var busy = false; // a background save is under way
  var leaving = false; // a submission that leaves the page is under way
  var passing = null; // the form submitted once its decision was saved: let it go through

  function dirty() {
    return serialise(decision) !== saved;
  }

  function statusRegion() {
    var region = document.getElementById("decision-status");
    if (!region) {
      region = document.createElement("div");
      region.id = "decision-status";
      region.setAttribute("role", "alert");
      region.setAttribute("tabindex", "-1");
      decision.parentNode.insertBefore(region, decision);
    }
    return region;
  }

  function tell(message, details) {
    var region = statusRegion();
    region.textContent = "";
    region.className = "flash flash-error";
    var text = document.createElement("p");
    text.textContent = message;
    region.appendChild(text);
    (details || []).forEach(function (detail) {
      var line = document.createElement("p");
      line.textContent = detail;
      region.appendChild(line);
    });
    region.focus();
  }

  // The server's answer to a decision it did not save (422): its decision form (what was typed,
  // the errors, after a conflict the new version) replaces ours, its conflict section is shown.
  function showRefusal(html) {
    var answer = new DOMParser().parseFromString(html, "text/html");
    var form = answer.getElementById("decision-form");
    if (form) decision.innerHTML = form.innerHTML;
    var old = document.querySelector("section.conflict");
    if (old) old.parentNode.removeChild(old);
    var conflict = answer.querySelector("section.conflict");
    if (conflict) {
      conflicted = true;
      decision.parentNode.insertBefore(document.importNode(conflict, true), decision);
    }
    var errors = Array.prototype.map.call(
      answer.querySelectorAll(".flash-error"),
      function (p) {
        return p.textContent;
      }
    );
    tell(decision.getAttribute("data-not-saved"), errors);
  }

  function saveDecisionThen(form, submitter) {
    busy = true;
    var target = (decision.getAttribute("action") || window.location.href).split("#")[0];
    fetch(target, {
      method: "POST",
      body: new FormData(decision),
      credentials: "same-origin",
      // Saved, the server answers with a redirect (and keeps its "saved" message for the next
      // page); not saved, with the form again (422).
      redirect: "manual",
    })
      .then(function (response) {
        if (response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400)) {
          saved = serialise(decision);
          busy = false;
          passing = form;
          if (form.requestSubmit) {
            form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
          } else {
            HTMLFormElement.prototype.submit.call(form);
          }
          return null;
        }
        if (response.status === 422) return response.text().then(showRefusal);
        tell(decision.getAttribute("data-save-failed"), []);
        return null;
      })
      .catch(function () {
        tell(decision.getAttribute("data-save-failed"), []);
      })
      .then(function () {
        busy = false;
      });
  }

  // The forms that add a part (yrkande, jäv, …; not the bare Remove buttons): what was typed in
  // one of them is lost when another form sends the page on, so that asks first.
  var parts = Array.prototype.filter.call(document.forms, function (form) {
    return (
      form !== decision &&
      form.querySelector("textarea, select, input:not([type=hidden]):not([type=submit])") !== null
    );
  });
  var partsAsShown = parts.map(serialise);

  function typedElsewhere(except) {
    var sections = [];
    parts.forEach(function (form, index) {
      if (form === except || serialise(form) === partsAsShown[index]) return;
      var section = form.closest("section");
      var heading = section ? section.querySelector("h2") : null;
      sections.push(heading ? heading.textContent.trim() : "");
    });
    return sections;
  }

  function othersMayBeLost(form) {
    var sections = typedElsewhere(form);
    if (!sections.length) return true;
    var question = decision.getAttribute("data-parts-unsaved");
    return window.confirm(question.replace("__SECTIONS__", sections.join(", ")));
  }

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (busy) {
        event.preventDefault(); // a second press while the decision is being saved
        return;
      }
      if (passing === form) {
        passing = null; // its decision is saved, and what else was typed was asked about
        leaving = true;
        return;
      }
      if (!othersMayBeLost(form)) {
        event.preventDefault();
        return;
      }
      if (form === decision || !dirty()) {
        leaving = true;
        return;
      }
      event.preventDefault();
      if (conflicted) {
        tell(decision.getAttribute("data-conflict-first"), []);
        return;
      }
      saveDecisionThen(form, event.submitter);
    },
    true
  );

  window.addEventListener("beforeunload", function (event) {
    if (leaving || (!dirty() && !typedElsewhere(null).length)) return;
    event.preventDefault();
    event.returnValue = ""; // the browser shows its own question
  });
})();
