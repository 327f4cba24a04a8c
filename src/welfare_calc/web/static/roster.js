// A roster's upload with progress: the bytes sent, then the seconds the batch has taken;
// then the page the server answers (how the run went, with the result's download link, or
// why it was refused). Without this script the form still posts, and shows the same page.
{ // (a block: the page written anew by document.write runs this again)
  const form = document.getElementById("roster");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const progress = document.getElementById("progress");
    const bar = document.getElementById("bar");
    const seconds = document.getElementById("seconds");
    progress.hidden = false;
    const started = Date.now();
    const timer = setInterval(() => {
      seconds.textContent = Math.round((Date.now() - started) / 1000) + " s";
    }, 500);
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.upload.onprogress = (sent) => {
      if (sent.lengthComputable) bar.value = (100 * sent.loaded) / sent.total;
    };
    request.upload.onload = () => bar.removeAttribute("value");
    request.onload = () => {
      clearInterval(timer);
      document.open();
      document.write(request.responseText);
      document.close();
    };
    request.onerror = () => {
      clearInterval(timer);
      progress.hidden = true;
    };
    request.send(new FormData(form));
  });
  // After a run, how it went is brought into view (it stands above the form).
  const result = document.getElementById("result");
  if (result) {
    result.focus({ preventScroll: true });
  }
}
