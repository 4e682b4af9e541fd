// Sign-up and account page: preselect the time zone the browser reports, and the phone country
// that zone lies in, until the person picks one themselves. No build step; works without it too.
(function () {
  "use strict";
  var zone = document.getElementById("id_time_zone");
  var country = document.getElementById("id_phone_country");
  var mapNode = document.getElementById("zone-countries");
  var script = document.getElementById("zone-script");
  if (!zone) return;
  var map = mapNode ? JSON.parse(mapNode.textContent) : {};
  var bound = script && script.getAttribute("data-bound") === "1";
  var countryChosen = bound;

  function hasOption(select, value) {
    for (var i = 0; i < select.options.length; i++) if (select.options[i].value === value) return true;
    return false;
  }
  function syncCountry() {
    if (country && !countryChosen && map[zone.value] && hasOption(country, map[zone.value])) country.value = map[zone.value];
  }
  if (!bound) {
    var detected = "";
    try { detected = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { detected = ""; }
    if (detected && hasOption(zone, detected)) {
      zone.value = detected;
      var note = document.getElementById("tz-detected");
      if (note) { note.textContent = "Detected from this device: " + detected.replace(/_/g, " ") + ". Change it if it is wrong."; note.hidden = false; }
    }
    syncCountry();
  }
  zone.addEventListener("change", syncCountry);
  if (country) country.addEventListener("change", function () { countryChosen = true; });
})();
