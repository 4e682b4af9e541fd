// The hold form asks "really this long?" as soon as the times chosen run over 12 hours, rather
// than after the server has refused once (the same rule the server applies, bookings/services/windows.py).
(function () {
  "use strict";
  const form = document.getElementById("hold-form");
  const field = document.getElementById("confirm-long-field");
  if (!form || !field) return;
  const box = form.elements.confirm_long;
  const text = document.getElementById("confirm-long-text");

  function minutes(time) {
    const [h, m] = time.split(":").map(Number);
    return h * 60 + m;
  }

  function hours() {
    const date = form.elements.date.value, start = form.elements.start_time.value, end = form.elements.end_time.value;
    if (!date || !start || !end) return 0;
    const endDate = form.elements.end_date.value || date;
    const days = (Date.parse(`${endDate}T00:00:00Z`) - Date.parse(`${date}T00:00:00Z`)) / 86400000;
    let span = days * 1440 + minutes(end) - minutes(start);
    if (span < 0 && !form.elements.end_date.value) span += 1440; // 22:00-02:00 runs past midnight
    return span / 60;
  }

  function sync() {
    const span = hours();
    const long = span > 12;
    if (long) text.textContent = `Yes, this hold really runs ${Math.round(span * 10) / 10} hours.`;
    else box.checked = false;
    field.hidden = !long;
  }

  form.addEventListener("input", sync);
  form.addEventListener("change", sync);
  sync();
})();
