// "Add a date": copy the last row, emptied. Without JavaScript the form still has three rows.
(function () {
  const button = document.getElementById("add-date");
  const rows = document.getElementById("date-rows");
  if (!button || !rows) return;
  button.classList.remove("hidden");
  button.addEventListener("click", function () {
    const last = rows.querySelector(".date-row:last-of-type");
    const copy = last.cloneNode(true);
    copy.querySelectorAll("input").forEach(function (input) { input.value = ""; });
    copy.querySelector("legend").textContent = "Date " + (rows.querySelectorAll(".date-row").length + 1);
    rows.appendChild(copy);
    copy.querySelector("input").focus();
  });
})();
