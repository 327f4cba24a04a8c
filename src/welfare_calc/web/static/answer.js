// After 计算: the answer asked for, in view and focused (a screen reader reads it), the form
// left where it was when the answer is in view already (side by side on a wide screen).
{ // (a block: no name of it is global)
  const answer = document.getElementById("answer");
  if (answer) {
    const box = answer.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) {
      answer.scrollIntoView({ block: "start" });
    }
    answer.focus({ preventScroll: true });
  }
}
