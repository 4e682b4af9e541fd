// Venue form: find the place by typing (GET /api/places/), then, when a tile server is configured,
// refine by dragging the pin. Coordinates are never typed: the pin fills two hidden fields, and
// without a pin the server places the venue from the typed postcode or town.
(function () {
  "use strict";
  const box = document.querySelector("[data-place-search]");
  if (!box) return;
  const input = box.querySelector("#v-place");
  const list = box.querySelector(".place-options");
  const state = box.querySelector("[data-place-state]");
  const lat = box.querySelector("[data-pin-lat]");
  const lng = box.querySelector("[data-pin-lng]");
  const mapBox = box.querySelector("[data-venue-map]");
  let map = null;
  let marker = null;
  let timer = null;
  let asked = 0;

  function showPin(latitude, longitude, zoom) {
    if (!mapBox || !window.L) return;
    mapBox.hidden = false;
    if (!map) {
      map = window.L.map(mapBox, { scrollWheelZoom: false });
      window.L.tileLayer(box.dataset.tiles, { attribution: box.dataset.attribution, maxZoom: 19 }).addTo(map);
      // Explicit icon URLs: Leaflet's own guess from its CSS breaks on hashed static file names.
      const icon = window.L.icon({
        iconUrl: mapBox.dataset.icon, iconRetinaUrl: mapBox.dataset.icon2x, shadowUrl: mapBox.dataset.shadow,
        iconSize: [25, 41], iconAnchor: [12, 41], shadowSize: [41, 41],
      });
      marker = window.L.marker([latitude, longitude], { draggable: true, keyboard: true, title: "Venue", icon })
        .addTo(map);
      marker.on("dragend", () => {
        const where = marker.getLatLng();
        lat.value = where.lat.toFixed(6);
        lng.value = where.lng.toFixed(6);
        state.textContent = "Pin moved: the venue will be saved where the pin is.";
      });
    }
    marker.setLatLng([latitude, longitude]);
    map.setView([latitude, longitude], zoom);
  }

  function choose(place) {
    input.value = place.name;
    list.hidden = true;
    list.replaceChildren();
    // The place decides again until the pin is moved.
    lat.value = "";
    lng.value = "";
    state.className = "place-state";
    state.textContent = `Found: ${place.name} (${place.time_zone}).`;
    showPin(place.latitude, place.longitude, place.kind === "postcode" ? 17 : place.kind === "district" ? 14 : 12);
  }

  async function search() {
    const typed = input.value.trim();
    const mine = ++asked;
    if (typed.length < 2) {
      list.hidden = true;
      return;
    }
    const answer = await window.GigBook.request("GET", `/api/places/?q=${encodeURIComponent(typed)}`);
    if (mine !== asked) return; // a later keystroke already asked again
    list.replaceChildren();
    if (!answer.ok) {
      list.hidden = true;
      const errors = (answer.data && answer.data.errors && answer.data.errors.q) || [];
      state.className = "place-state error";
      state.textContent = errors.join(" ") || "Could not search places just now; the postcode you typed will be used.";
      return;
    }
    state.className = "place-state";
    state.textContent = "";
    for (const place of answer.data.results) {
      const item = document.createElement("li");
      item.setAttribute("role", "none"); // the button is the option of the listbox
      const button = document.createElement("button");
      button.type = "button";
      button.setAttribute("role", "option");
      button.textContent = place.name;
      button.addEventListener("click", () => choose(place));
      item.append(button);
      list.append(item);
    }
    list.hidden = answer.data.results.length === 0;
  }

  input.addEventListener("input", () => {
    lat.value = "";
    lng.value = "";
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && !list.hidden) {
      event.preventDefault();
      const first = list.querySelector("button");
      if (first) first.focus();
    }
  });
  if (lat.value && lng.value) showPin(Number(lat.value), Number(lng.value), 16);
})();
