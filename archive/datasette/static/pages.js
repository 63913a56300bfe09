/* zfgzbg-archive: the "copy citation" button of the document page (no library, works offline). */
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest("button[data-copy]") : null;
  if (!button) return;
  var box = document.getElementById(button.getAttribute("data-copy"));
  var status = button.parentNode.querySelector(".copied");
  function done(message) { if (status) status.textContent = message; }
  box.focus();
  box.select();
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(box.value).then(function () { done("已复制 copied"); },
      function () { done(document.execCommand("copy") ? "已复制 copied" : "press Ctrl+C"); });
  } else {
    done(document.execCommand("copy") ? "已复制 copied" : "press Ctrl+C");
  }
});
