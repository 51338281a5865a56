// The care network over the city's own tile server (LTC_MAP_TILE_URL), with the Leaflet
// vendored in static/vendor/leaflet: providers with their service radius, people and the
// lines to their providers; names appear on hover, so none collide.
(function () {
  const box = document.querySelector("[data-tile-map]");
  if (!box || !window.L) return;
  const network = JSON.parse(box.dataset.network);
  // Tooltips get text nodes, never HTML: a provider's name is whatever the bureau typed.
  function textOf(text) { const span = document.createElement("span"); span.textContent = text; return span; }
  const map = L.map(box, { keyboard: true, zoomControl: false });
  L.control.zoom({ zoomInTitle: box.dataset.zoomIn, zoomOutTitle: box.dataset.zoomOut }).addTo(map);
  L.tileLayer(box.dataset.tileUrl, { maxZoom: 18, attribution: box.dataset.attribution || "" }).addTo(map);
  let bounds = null;  // of every service circle, computed without the map (it has no view yet)
  network.providers.forEach(function (p) {
    const colour = p.active ? "#0b6e4f" : "#5f6b76";
    L.circle([p.lat, p.lon], { radius: p.radius_m, color: colour, weight: 1, dashArray: "4 3", fillOpacity: 0.06 }).addTo(map);
    L.circleMarker([p.lat, p.lon], { radius: 6, color: "#fff", weight: 1, fillColor: colour, fillOpacity: 1 })
      .bindTooltip(textOf(p.name)).addTo(map);
    const extent = L.latLng(p.lat, p.lon).toBounds(2 * p.radius_m);
    bounds = bounds ? bounds.extend(extent) : extent;
  });
  network.people.forEach(function (person) {
    if (person.to) L.polyline([[person.lat, person.lon], person.to], { color: "#1f6feb", weight: 1, opacity: 0.35 }).addTo(map);
    // One person, or (in a large city) the people of a square of about a kilometre.
    const radius = person.count > 1 ? Math.min(14, 3 + Math.sqrt(person.count)) : (person.waiting ? 5 : 3);
    const marker = L.circleMarker([person.lat, person.lon], {
      radius: radius, stroke: person.waiting, color: "#fff", weight: 1,
      fillColor: person.waiting ? "#b42318" : "#1f6feb", fillOpacity: person.count > 1 ? 0.7 : 1,
    }).addTo(map);
    if (person.count > 1) marker.bindTooltip(textOf(String(person.count)));
  });
  if (bounds) map.fitBounds(bounds);
  else map.setView([29.6, 121.4], 10);
  box.dataset.ready = "true";
})();
