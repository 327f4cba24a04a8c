// The 计算单's Print button (a script of its own: the page allows no inline script).
document.getElementById("print").addEventListener("click", () => window.print());
