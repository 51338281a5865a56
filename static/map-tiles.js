// The care network over the city's own tile server (LTC_MAP_TILE_URL), with the Leaflet
// vendored in static/vendor/leaflet: providers with their service radius, people and the
// lines to their providers; names appear on hover, so none collide.
(function () {
  const box = document.querySelector("[data-tile-map]");
  if (!box || !window.L) return;
  const network = JSON.parse(box.dataset.network);
  const map = L.map(box, { keyboard: true, zoomControl: true });
  L.tileLayer(box.dataset.tileUrl, { maxZoom: 18, attribution: box.dataset.attribution || "" }).addTo(map);
  const bounds = [];
  network.providers.forEach(function (p) {
    const colour = p.active ? "#0b6e4f" : "#5f6b76";
    const circle = L.circle([p.lat, p.lon], { radius: p.radius_m, color: colour, weight: 1, dashArray: "4 3", fillOpacity: 0.06 }).addTo(map);
    L.circleMarker([p.lat, p.lon], { radius: 6, color: "#fff", weight: 1, fillColor: colour, fillOpacity: 1 })
      .bindTooltip(p.name).addTo(map);
    bounds.push(circle.getBounds());
  });
  network.people.forEach(function (person) {
    if (person.to) L.polyline([[person.lat, person.lon], person.to], { color: "#1f6feb", weight: 1, opacity: 0.35 }).addTo(map);
    // One person, or (in a large city) the people of a square of about a kilometre.
    const radius = person.count > 1 ? Math.min(14, 3 + Math.sqrt(person.count)) : (person.waiting ? 5 : 3);
    const marker = L.circleMarker([person.lat, person.lon], {
      radius: radius, stroke: person.waiting, color: "#fff", weight: 1,
      fillColor: person.waiting ? "#b42318" : "#1f6feb", fillOpacity: person.count > 1 ? 0.7 : 1,
    }).addTo(map);
    if (person.count > 1) marker.bindTooltip(String(person.count));
  });
  if (bounds.length) {
    const all = bounds.reduce(function (a, b) { return a.extend(b); }, L.latLngBounds(bounds[0].getSouthWest(), bounds[0].getNorthEast()));
    map.fitBounds(all);
  } else {
    map.setView([29.6, 121.4], 10);
  }
  box.dataset.ready = "true";
})();
