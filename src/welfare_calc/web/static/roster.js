// A roster's upload with progress: the bytes sent, then the seconds the batch has taken.
// Without this script the form still posts, and the browser downloads the result.
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
  request.responseType = "blob";
  request.upload.onprogress = (sent) => {
    if (sent.lengthComputable) bar.value = (100 * sent.loaded) / sent.total;
  };
  request.upload.onload = () => bar.removeAttribute("value");
  request.onload = () => {
    clearInterval(timer);
    progress.hidden = true;
    const kind = request.getResponseHeader("content-type") || "";
    if (request.status === 200 && !kind.startsWith("text/html")) {
      const link = document.createElement("a");
      const named = /filename\*=UTF-8''([^;]+)/.exec(
        request.getResponseHeader("content-disposition") || "");
      link.href = URL.createObjectURL(request.response);
      link.download = named ? decodeURIComponent(named[1]) : "result";
      document.body.appendChild(link);
      link.click();
      link.remove();
    } else {
      request.response.text().then((html) => {
        document.open();
        document.write(html);
        document.close();
      });
    }
  };
  request.send(new FormData(form));
});
