// "Book this player": live itemised quote and availability while the producer fills in the form.
// The form works without this script (it posts to the server); this only adds the preview.
(function () {
  "use strict";
  const form = document.getElementById("booking-form");
  if (!form) return;
  const quoteBody = document.getElementById("quote-body");
  const availability = document.getElementById("availability");
  const venueField = document.getElementById("venue-field");
  const tzField = document.getElementById("tz-field");
  const zoneHelp = document.getElementById("zone-help");
  const kind = form.elements.kind;
  const bar = document.getElementById("quote-bar");
  const barTotal = document.getElementById("quote-bar-total");
  const barAvailability = document.getElementById("quote-bar-availability");
  let panelInView = false;
  let hasQuote = false;
  let timer = null;
  let seq = 0;

  function val(name) {
    const el = form.elements[name];
    return el && el.value !== undefined ? el.value.trim() : "";
  }

  function addDays(isoDate, days) {
    const d = new Date(isoDate + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  }

  function payload() {
    const date = val("date"), start = val("start_time"), end = val("end_time");
    if (!date || !start || !end) return null;
    let endDate = val("end_date") || date;
    // 22:00 to 02:00 runs past midnight; an end equal to the start is sent as is (and refused), never a day.
    if (!val("end_date") && end < start) endDate = addDays(date, 1);
    const body = {
      musician: Number(form.dataset.profile),
      instrument: val("instrument"),
      kind: val("kind"),
      starts_at: `${date}T${start}`,
      ends_at: `${endDate}T${end}`,
      fee_basis: val("fee_basis"),
      brief_approach: val("brief_approach"),
      doubles: Array.from(form.querySelectorAll('input[name="doubles"]:checked')).map((el) => el.value),
      confirm_long: form.elements.confirm_long.checked,
    };
    if (body.kind === "remote_recording") body.time_zone = val("time_zone");
    else if (val("venue")) body.venue = Number(val("venue"));
    for (const name of ["rate", "cartage_fee", "travel_fee", "per_diem"]) if (val(name)) body[name] = val(name);
    for (const name of ["overtime_half_hours", "per_diem_days"]) if (val(name)) body[name] = Number(val(name));
    return body;
  }

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  // Phones: the summary bar shows once there is a quote, except while the quote itself is on screen.
  function updateBar(total, free) {
    if (!bar) return;
    barTotal.textContent = total;
    barAvailability.textContent = free;
    hasQuote = true;
    bar.hidden = panelInView;
    bar.closest(".book-layout").classList.add("has-quote-bar");
  }
  if (bar && "IntersectionObserver" in window) {
    new IntersectionObserver((entries) => {
      panelInView = entries[0].isIntersecting;
      if (hasQuote) bar.hidden = panelInView;
    }).observe(document.getElementById("quote-panel"));
  }

  function renderQuote(data) {
    quoteBody.replaceChildren();
    const table = el("table", undefined, "quote");
    const tbody = el("tbody");
    for (const line of data.quote.lines) {
      const tr = el("tr");
      tr.append(el("td", line.label), el("td", line.amount, "num"));
      tbody.append(tr);
    }
    const tfoot = el("tfoot");
    const total = el("tr");
    total.append(el("th", "Total"), el("td", `${data.quote.total} ${data.quote.currency}`, "num"));
    tfoot.append(total);
    table.append(tbody, tfoot);
    quoteBody.append(table);
    for (const note of data.quote.notes) quoteBody.append(el("p", note, "help"));
    if (data.below_published_rate) {
      // The note already says "Below the musician's published rate: …"; say it once.
      const flag = el("p", undefined, "flag-below");
      flag.append(el("strong", data.rate_note || "Below the musician's published rate."));
      quoteBody.append(flag);
    }
    const a = data.availability;
    availability.className = a.free ? "availability-free" : "availability-busy";
    availability.textContent = a.free
      ? `Free at this time (${data.time_zone}).`
      : a.reason === "booked" ? "Already booked at this time." : "Marked unavailable at this time.";
    updateBar(`Total ${data.quote.total} ${data.quote.currency}`, a.free ? "Free at this time" : "Not free at this time");
  }

  // Field problems go next to their fields (each once: the server's own from the last send are
  // replaced); the quote panel only says why there is no quote.
  function clearServerErrors() {
    form.querySelectorAll("p.error:not([data-api-error])").forEach((p) => p.remove());
    form.querySelectorAll(".has-error").forEach((node) => node.classList.remove("has-error"));
  }

  function renderError(data) {
    clearServerErrors();
    const shown = window.GigBook.showErrors(form, data);
    availability.className = "muted";
    availability.textContent = "";
    const lines = shown.unplaced.length ? shown.unplaced
      : [shown.count ? "Fix the marked fields to see the quote." : "Cannot price this yet."];
    quoteBody.replaceChildren(...lines.map((text) => el("p", text, "error")));
    updateBar("No quote yet", "Some details need fixing");
  }

  async function refresh() {
    const body = payload();
    if (!body) return;
    const mine = ++seq;
    const result = await window.GigBook.request("POST", form.dataset.quoteUrl, body);
    if (mine !== seq) return; // a newer request is on its way
    if (result.ok) {
      clearServerErrors();
      window.GigBook.showErrors(form, null);
      renderQuote(result.data);
    } else renderError(result.data);
  }

  // The main instrument is not a double: keep its checkbox off and disabled.
  function syncDoubles() {
    const main = val("instrument");
    form.querySelectorAll('input[name="doubles"]').forEach((box) => {
      const isMain = box.value === main;
      if (isMain) box.checked = false;
      box.disabled = isMain;
    });
  }

  function syncKind() {
    const remote = kind.value === "remote_recording";
    venueField.classList.toggle("hidden", remote);
    tzField.classList.toggle("hidden", !remote);
    const option = form.elements.venue && form.elements.venue.selectedOptions[0];
    const zone = remote ? val("time_zone") : option && option.dataset.timeZone;
    const day = val("date") ? new Date(`${val("date")}T12:00:00Z`) : new Date();
    zoneHelp.textContent = zone ? `Times are ${window.GigBook.zoneLabel(zone, day)}.` : "Times are in the venue's local time.";
  }

  // Over 12 hours is usually a slip (an end of 9 for 21): ask for an explicit yes.
  const confirmField = document.getElementById("confirm-long-field");
  function syncLong() {
    const body = payload();
    const hours = body ? (Date.parse(`${body.ends_at}:00Z`) - Date.parse(`${body.starts_at}:00Z`)) / 3600000 : 0;
    const long = hours > 12;
    if (long) document.getElementById("confirm-long-text").textContent =
      `Yes, this booking really runs ${Math.round(hours * 10) / 10} hours.`;
    if (!long) form.elements.confirm_long.checked = false;
    confirmField.hidden = !long;
  }

  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
  form.addEventListener("change", () => {
    syncKind();
    syncDoubles();
    syncLong();
    clearTimeout(timer);
    timer = setTimeout(refresh, 100);
  });
  form.addEventListener("submit", () => {
    const button = document.getElementById("send-offer");
    // A double tap must not look like it did nothing; the idempotency key stops a second offer.
    setTimeout(() => { button.disabled = true; button.textContent = "Sending…"; }, 0);
  });
  syncKind();
  syncDoubles();
  syncLong();
  refresh();
})();
