// A running job's page follows the job: it asks the JSON endpoint every couple of seconds,
// moves the progress bar and the step text, and reloads when the job has finished (to show
// the result or the reason it failed). Without JavaScript the "Uppdatera" link does the same.
(function () {
  "use strict";
  var section = document.getElementById("job");
  if (!section) return;
  var url = section.getAttribute("data-status-url");
  var bar = document.getElementById("job-progress");
  var step = document.getElementById("job-step");
  var status = document.getElementById("job-status");
  var delay = 1500;

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (job) {
        if (bar) bar.value = job.progress;
        if (step && step.textContent !== job.step) step.textContent = job.step;
        if (status) status.textContent = job.status_label;
        if (job.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, delay);
        }
      })
      .catch(function () {
        delay = Math.min(delay * 2, 30000); // the server is busy or gone: ask less often
        window.setTimeout(poll, delay);
      });
  }
  window.setTimeout(poll, delay);
})();
