/* Change map of the Évolution page: colours, outlines and hover labels read from the GeoJSON
   hideout, which the server fills with {classes, colors, labels, statusFill, statusLabels,
   selected}. dash-leaflet passes the component props (hideout included) as the last argument. */
(function () {
  "use strict";

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (ch) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[ch];
    });
  }

  function hideoutOf(context) {
    return (context && context.hideout) || {};
  }

  /* A class below zero names the status of a territory without a change: -1 is the first
     status of hideout.statusFill and hideout.statusLabels, -2 the second... */
  function classOf(code, hideout) {
    var cls = (hideout.classes || {})[code];
    return cls === undefined ? -1 : cls;
  }

  function fillOf(code, hideout) {
    var cls = classOf(code, hideout);
    if (cls >= 0) {
      return (hideout.colors || [])[cls] || "#f0f0f0";
    }
    return (hideout.statusFill || [])[-1 - cls] || "#f0f0f0";
  }

  function labelOf(code, hideout) {
    var cls = classOf(code, hideout);
    if (cls >= 0) {
      return (hideout.labels || {})[code] || "";
    }
    return (hideout.statusLabels || [])[-1 - cls] || "";
  }

  function isSelected(code, hideout) {
    return (hideout.selected || []).indexOf(code) >= 0;
  }

  window.atlasEvolution = {
    style: function (feature, context) {
      var hideout = hideoutOf(context);
      var code = feature.properties.code;
      var selected = isSelected(code, hideout);
      return {
        fillColor: fillOf(code, hideout), fillOpacity: 0.92,
        color: selected ? "#111827" : "#ffffff", weight: selected ? 2.5 : 0.4, opacity: 1
      };
    },
    hoverStyle: function () {
      return {weight: 2.5, color: "#1d2330"};
    },
    bindTooltip: function (feature, layer, context) {
      var code = feature.properties.code;
      var name = feature.properties.name || code;
      layer.bindTooltip(function () {
        var label = labelOf(code, hideoutOf(context));
        return "<strong>" + escapeHtml(name) + "</strong><br>" + escapeHtml(label).replace(/\n/g, "<br>");
      }, {sticky: true, className: "evolution-tooltip"});
      // Shapes are mouse targets only: keyboard users pick territories in the search box, and
      // 101 (or 35,000) unnamed Tab stops would make the rest of the page unreachable.
      layer.on("add", function () {
        var element = layer.getElement && layer.getElement();
        if (element) { element.setAttribute("tabindex", "-1"); }
      });
    }
  };
})();
