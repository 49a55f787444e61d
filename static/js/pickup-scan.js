/* Clerk page: read a voucher QR with the phone camera (jsQR) and open it.
   Without a camera, permission or JavaScript the page still works: type the code. */
(function () {
  "use strict";
  var box = document.getElementById("scan");
  if (!box || !window.jsQR || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { return; }
  var start = box.querySelector("[data-scan-start]");
  var video = box.querySelector("video");
  var canvas = box.querySelector("canvas");
  var status = box.querySelector("[data-scan-status]");
  var ctx = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  box.hidden = false;

  function stop() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    video.hidden = true;
  }

  function open(text) {
    // Our QR holds .../v/<token>/ ; anything else is not a voucher.
    var match = /\/v\/([^\/?#]+)\/?/.exec(text);
    if (!match) { status.textContent = box.dataset.notOurs; return false; }
    var url = new URL(box.dataset.target, window.location.href);
    url.searchParams.set("t", decodeURIComponent(match[1]));
    window.location.assign(url.toString());
    return true;
  }

  function tick() {
    if (!stream) { return; }
    if (video.readyState === video.HAVE_ENOUGH_DATA) {
      canvas.width = video.videoWidth; canvas.height = video.videoHeight;
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = ctx.getImageData(0, 0, canvas.width, canvas.height);
      var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      if (code && code.data && open(code.data)) { stop(); return; }
    }
    window.requestAnimationFrame(tick);
  }

  start.addEventListener("click", function () {
    status.textContent = box.dataset.starting;
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s; video.srcObject = s; video.hidden = false;
        video.setAttribute("playsinline", "true");
        return video.play();
      })
      .then(function () { status.textContent = box.dataset.scanning; window.requestAnimationFrame(tick); })
      .catch(function () { stop(); status.textContent = box.dataset.denied; });
  });
  window.addEventListener("pagehide", stop);
})();
