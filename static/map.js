// The care network map: zoom (wheel, pinch, buttons, keys) and pan (drag, arrow keys) by
// moving the SVG's viewBox. Labels were placed on the server for each doubling of the
// zoom; the level for the current zoom is shown, and markers keep their size on screen.
(function () {
  const frame = document.querySelector("[data-map]");
  if (!frame) return;
  const svg = frame.querySelector("svg");
  const full = { w: Number(svg.dataset.width), h: Number(svg.dataset.height) };
  const maxZoom = Number(svg.dataset.maxZoom) || 16;
  const levels = Array.from(svg.querySelectorAll("[data-label-level]"));
  const people = Array.from(svg.querySelectorAll("circle[data-r]"));
  const providers = Array.from(svg.querySelectorAll("rect[data-half]"));
  const zoomText = frame.querySelector(".map-zoom");
  let view = { x: 0, y: 0, w: full.w, h: full.h };
  let shownLevel = 0;

  function clamp() {
    view.w = Math.min(full.w, Math.max(full.w / maxZoom, view.w));
    view.h = view.w * full.h / full.w;
    view.x = Math.min(full.w - view.w, Math.max(0, view.x));
    view.y = Math.min(full.h - view.h, Math.max(0, view.y));
  }

  function showLevel(level) {
    if (level === shownLevel) return;
    shownLevel = level;
    const scale = Math.pow(2, level);
    levels.forEach(function (g) { g.setAttribute("display", Number(g.dataset.labelLevel) === level ? "inline" : "none"); });
    people.forEach(function (c) { c.setAttribute("r", Number(c.dataset.r) / scale); });
    providers.forEach(function (r) {
      const half = Number(r.dataset.half) / scale;
      r.setAttribute("x", Number(r.dataset.cx) - half);
      r.setAttribute("y", Number(r.dataset.cy) - half);
      r.setAttribute("width", 2 * half);
      r.setAttribute("height", 2 * half);
    });
  }

  function draw() {
    clamp();
    svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].map(function (v) { return v.toFixed(2); }).join(" "));
    const zoom = full.w / view.w;
    frame.dataset.zoom = zoom.toFixed(3);
    if (zoomText) zoomText.textContent = (Math.round(zoom * 10) / 10) + "×";
    showLevel(Math.min(levels.length - 1, Math.floor(Math.log2(zoom) + 1e-6)));
  }

  // A point on the screen, in the drawing's coordinates.
  function toDrawing(clientX, clientY) {
    const rect = svg.getBoundingClientRect();
    return { x: view.x + (clientX - rect.left) / rect.width * view.w, y: view.y + (clientY - rect.top) / rect.height * view.h };
  }

  function zoomBy(factor, at) {
    const centre = at || { x: view.x + view.w / 2, y: view.y + view.h / 2 };
    const w = Math.min(full.w, Math.max(full.w / maxZoom, view.w / factor));
    const applied = view.w / w;
    view = { x: centre.x - (centre.x - view.x) / applied, y: centre.y - (centre.y - view.y) / applied, w: w, h: 0 };
    draw();
  }

  function panBy(dx, dy) { view.x += dx; view.y += dy; draw(); }

  svg.addEventListener("wheel", function (event) {
    event.preventDefault();
    zoomBy(Math.exp(-event.deltaY * 0.0015), toDrawing(event.clientX, event.clientY));
  }, { passive: false });

  // One pointer drags the map; two pinch it.
  const pointers = new Map();
  let pinch = null;
  svg.addEventListener("pointerdown", function (event) {
    svg.setPointerCapture(event.pointerId);
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    svg.classList.add("dragging");
    pinch = null;
  });
  svg.addEventListener("pointermove", function (event) {
    const last = pointers.get(event.pointerId);
    if (!last) return;
    const rect = svg.getBoundingClientRect();
    if (pointers.size === 1) {
      panBy(-(event.clientX - last.x) / rect.width * view.w, -(event.clientY - last.y) / rect.height * view.h);
    }
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    if (pointers.size === 2) {
      const [a, b] = Array.from(pointers.values());
      const distance = Math.hypot(a.x - b.x, a.y - b.y);
      if (pinch && distance > 0) zoomBy(distance / pinch, toDrawing((a.x + b.x) / 2, (a.y + b.y) / 2));
      pinch = distance;
    }
  });
  function release(event) {
    pointers.delete(event.pointerId);
    pinch = null;
    if (pointers.size === 0) svg.classList.remove("dragging");
  }
  svg.addEventListener("pointerup", release);
  svg.addEventListener("pointercancel", release);

  frame.querySelectorAll("[data-zoom]").forEach(function (button) {
    button.addEventListener("click", function () {
      const how = button.dataset.zoom;
      if (how === "in") zoomBy(2);
      else if (how === "out") zoomBy(0.5);
      else { view = { x: 0, y: 0, w: full.w, h: full.h }; draw(); }
    });
  });

  frame.addEventListener("keydown", function (event) {
    if (event.target.closest("button")) return;
    const step = 0.15;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (moves[event.key]) panBy(moves[event.key][0] * view.w, moves[event.key][1] * view.h);
    else if (event.key === "+" || event.key === "=") zoomBy(2);
    else if (event.key === "-" || event.key === "_") zoomBy(0.5);
    else if (event.key === "0") { view = { x: 0, y: 0, w: full.w, h: full.h }; draw(); }
    else return;
    event.preventDefault();
  });

  draw();
})();
