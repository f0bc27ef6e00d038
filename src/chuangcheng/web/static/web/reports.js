// 报表: move the progress bar of every document being built, and offer the download when done.
(function () {
  "use strict";
  function poll(row) {
    var url = row.getAttribute("data-poll");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var state = row.querySelector(".report-state");
        row.setAttribute("data-status", data.status);
        if (data.status === "done") {
          state.textContent = data.status_label;
          var link = document.createElement("a");
          link.href = data.download;
          link.textContent = "下载";
          link.setAttribute("data-testid", "report-download");
          var cell = row.querySelector(".report-file");
          cell.textContent = "";
          cell.appendChild(link);
          return;
        }
        if (data.status === "failed") {
          state.textContent = "";
          var err = document.createElement("span");
          err.className = "error";
          err.textContent = "生成失败：" + data.error;
          state.appendChild(err);
          return;
        }
        var bar = row.querySelector("progress");
        if (bar) { bar.value = data.progress; bar.textContent = data.progress + "%"; }
        var stage = row.querySelector(".report-stage");
        if (stage) { stage.textContent = data.stage || data.status_label; }
        setTimeout(function () { poll(row); }, 1000);
      })
      .catch(function () { setTimeout(function () { poll(row); }, 3000); });
  }
  document.querySelectorAll("tr[data-poll]").forEach(poll);
})();
