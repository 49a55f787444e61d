/* The work-order map (Leaflet, vendored in static/vendor/leaflet). Reads its configuration from
   #map-config, fetches the scoped markers JSON, draws one round marker per place (with its number of
   orders) coloured by its most pressing order, fits the view to them, and lists the orders without coordinates beside the
   map. 天地图 tiles only when a key is configured; without them the markers sit on a plain
   background with a scale, which is enough to walk to the door. */
(function () {
  "use strict";
  var COLORS = { overdue: "#cf222e", urgent: "#bc4c00", dispatch: "#6e7781", accept: "#0b5cad", checking: "#1a7f37" };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function orderItem(o, labels) {
    var item = el("div", "map-order kind-" + o.kind);
    item.setAttribute("data-order", o.order_id);
    var head = el("div", "t");
    if (o.urgent) head.appendChild(el("span", "badge badge-urgent", "紧急"));
    head.appendChild(el("b", "", o.type));
    head.appendChild(el("span", "", o.person));
    head.appendChild(el("span", "badge", o.status_label));
    if (o.overdue) head.appendChild(el("span", "badge badge-urgent", "已超时"));
    item.appendChild(head);
    if (o.address) item.appendChild(el("div", "muted", o.address));
    item.appendChild(el("div", o.overdue ? "due overdue" : "due", o.due_label + " " + o.due));
    var link = el("a", "button small", labels.open);
    link.href = o.url;
    item.appendChild(link);
    return item;
  }

  function tiles(map, key) {
    var url = function (layer) {
      return "https://t{s}.tianditu.gov.cn/" + layer + "_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=" +
        layer + "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=" +
        encodeURIComponent(key);
    };
    var options = { subdomains: "01234567", maxZoom: 18, attribution: "&copy; 天地图" };
    L.tileLayer(url("vec"), options).addTo(map);
    L.tileLayer(url("cva"), options).addTo(map);  // the labels layer over the roads
  }

  function locateControl(map, labels) {
    var Control = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var box = L.DomUtil.create("div", "leaflet-bar map-locate");
        var button = L.DomUtil.create("a", "", box);
        button.href = "#";
        button.title = labels.locate;
        button.setAttribute("role", "button");
        button.setAttribute("aria-label", labels.locate);
        button.textContent = "◎";
        L.DomEvent.on(button, "click", function (e) {
          L.DomEvent.preventDefault(e);
          map.locate({ setView: true, maxZoom: 17 });
        });
        L.DomEvent.disableClickPropagation(box);
        return box;
      }
    });
    map.addControl(new Control());
    var here = null;
    map.on("locationfound", function (e) {
      if (here) map.removeLayer(here);
      here = L.circle(e.latlng, { radius: Math.max(e.accuracy, 10), color: "#0969da", weight: 1, fillOpacity: 0.15 }).addTo(map);
    });
    map.on("locationerror", function () { window.alert(labels.locate_failed); });
  }

  function draw(map, data, labels) {
    var bounds = L.latLngBounds([]);
    var popupHeight = Math.max(180, Math.round(map.getSize().y * 0.4));  // fits above a centred marker
    var popupWidth = Math.max(180, Math.min(300, map.getSize().x - 120));  // inside a phone's map, beside the zoom buttons
    data.places.forEach(function (p) {
      var urgent = p.orders.some(function (o) { return o.urgent; });
      var size = urgent ? 34 : 28;
      // A round HTML marker with the number of orders at the place (a building's rooms share a point).
      var icon = L.divIcon({
        className: "order-marker kind-" + p.kind + (urgent ? " has-urgent" : ""),
        html: "<span>" + p.orders.length + "</span>", iconSize: [size, size], popupAnchor: [0, -size / 2]
      });
      var title = p.orders[0].person + (p.orders.length > 1 ? " +" + (p.orders.length - 1) : "") + " · " + p.label;
      var marker = L.marker([p.lat, p.lng], { icon: icon, title: title, alt: title, riseOnHover: true,
                                               zIndexOffset: p.kind === "overdue" ? 1000 : urgent ? 500 : 0 });
      var box = el("div", "map-popup");
      box.appendChild(el("div", "muted", p.label + (p.orders.length > 1 ? " · " + p.orders.length + " " + labels.orders : "")));
      p.orders.forEach(function (o) { box.appendChild(orderItem(o, labels)); });
      marker.bindPopup(box, { maxWidth: popupWidth, minWidth: Math.min(220, popupWidth), maxHeight: popupHeight, autoPanPaddingTopLeft: [56, 16],
                              autoPanPaddingBottomRight: [16, 16] });
      marker.addTo(map);
      bounds.extend([p.lat, p.lng]);
    });
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [36, 36], maxZoom: 17 });
    var list = document.getElementById("unplaced");
    var count = document.getElementById("unplaced-count");
    if (list) {
      list.textContent = "";
      data.unplaced.forEach(function (o) { list.appendChild(orderItem(o, labels)); });
      if (count) count.textContent = String(data.unplaced.length);
    }
    var c = data.counts;
    var summary = document.getElementById("map-counts");
    if (summary) {
      summary.querySelector("[data-n=open]").textContent = c.open;
      summary.querySelector("[data-n=overdue]").textContent = c.overdue;
      summary.querySelector("[data-n=urgent]").textContent = c.urgent;
      summary.querySelector("[data-n=placed]").textContent = c.placed;
      summary.querySelector("[data-n=overdue]").parentNode.classList.toggle("overdue", c.overdue > 0);
    }
    if (!c.open) document.getElementById("map").appendChild(el("div", "map-empty", labels.none));
    document.getElementById("map").setAttribute("data-ready", String(data.places.length));
  }

  function start() {
    var node = document.getElementById("map-config");
    if (!node || typeof L === "undefined") return;
    var cfg = JSON.parse(node.textContent);
    var map = L.map("map", { zoomControl: true, tap: true }).setView(cfg.center, 15);
    if (cfg.tianditu_key) tiles(map, cfg.tianditu_key);
    else map.getContainer().classList.add("no-tiles");
    L.control.scale({ imperial: false, maxWidth: 120 }).addTo(map);
    locateControl(map, cfg.labels);
    fetch(cfg.data_url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { draw(map, data, cfg.labels); })
      .catch(function () { document.getElementById("map").setAttribute("data-ready", "error"); });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
