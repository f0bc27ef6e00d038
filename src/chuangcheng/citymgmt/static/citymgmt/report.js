// 监督员上报: a key made on the phone (a resend never creates a second case) and quick picks of
// his recent subclasses.
(function () {
  var key = document.querySelector("[data-client-key]");
  if (key && !key.value) {
    var rand = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
    key.value = rand.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 64);
  }
  document.querySelectorAll("[data-pick-subclass]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      document.getElementById("id_subclass").value = btn.getAttribute("data-pick-subclass");
    });
  });
})();
