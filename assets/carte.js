/*
 * Map page: restyles the choropleth in the browser.
 *
 * The geometry of a level is loaded once by dash-leaflet from a geobuf URL. Each indicator,
 * year or classification change brings a payload with one class character and one rounded
 * value per feature, in the order of the features (sorted by territory code). This script
 * then restyles the existing Leaflet layers. A dash-leaflet `hideout` change would instead
 * clear and re-add every feature, which is far slower on the 35,000 communes.
 *
 * Hover shows one shared tooltip; a click selects the territory through the
 * `carte-selected` store. Values whose status is not "ok" are drawn with a grey hatch
 * (a canvas pattern), never with a class colour.
 */
(function () {
    "use strict";

    var STATUS_NAMES = {m: "missing", s: "secret", p: "not_published", n: "not_applicable"};
    var LOADING_STYLE = {fillColor: "#e9ecef", fillOpacity: 1, color: "#ffffff", weight: 0.3, opacity: 1};

    var carte = {
        payload: null,
        registry: null,
        pending: [],
        flushScheduled: false,
        selected: null,
        zoomRequest: null,
        statusStyles: {},
        patterns: {},
        tooltip: null,
        hovered: null,
        created: 0,
        openedWithView: new URLSearchParams(window.location.search).has("view"),
        creatingWith: null,
        createdWith: null,
        lastPaint: null
    };

    function escapeHtml(text) {
        return String(text).replace(/[&<>"']/g, function (ch) {
            return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[ch];
        });
    }

    /* A small repeating canvas tile drawn as the fill of one status. */
    function makePattern(style) {
        var size = 8;
        var tile = document.createElement("canvas");
        tile.width = size;
        tile.height = size;
        var ctx = tile.getContext("2d");
        ctx.fillStyle = style.fill;
        ctx.fillRect(0, 0, size, size);
        ctx.strokeStyle = style.line;
        ctx.fillStyle = style.line;
        ctx.lineWidth = 1;
        ctx.beginPath();
        if (style.pattern === "diagonal" || style.pattern === "cross") {
            ctx.moveTo(0, size);
            ctx.lineTo(size, 0);
            ctx.moveTo(-1, 1);
            ctx.lineTo(1, -1);
            ctx.moveTo(size - 1, size + 1);
            ctx.lineTo(size + 1, size - 1);
        }
        if (style.pattern === "cross") {
            ctx.moveTo(0, 0);
            ctx.lineTo(size, size);
        }
        if (style.pattern === "horizontal") {
            ctx.moveTo(0, size / 2);
            ctx.lineTo(size, size / 2);
        }
        ctx.stroke();
        if (style.pattern === "dots") {
            ctx.fillRect(size / 2 - 1, size / 2 - 1, 2, 2);
        }
        return tile.getContext("2d").createPattern(tile, "repeat");
    }

    function statusFill(letter) {
        var name = STATUS_NAMES[letter] || "missing";
        if (!carte.patterns[name]) {
            var style = carte.statusStyles[name];
            if (!style) {
                return "#f0f0f0";
            }
            carte.patterns[name] = makePattern(style);
        }
        return carte.patterns[name];
    }

    function borderWeight(count) {
        return count > 5000 ? 0.3 : (count > 500 ? 0.4 : 0.8);
    }

    /* One style object per class character, shared by every layer of that class. The border
       weight is constant for a level and left out: a weight in setStyle makes Leaflet
       recompute the bounds of every path. */
    function styleTable(payload) {
        var table = {};
        // Thousands of small communes: borders in the fill colour, or white seams pale the map.
        var dense = payload.n > 5000;
        payload.colors.forEach(function (color, index) {
            table[String.fromCharCode(48 + index)] = {
                fillColor: color, fillOpacity: 1, color: dense ? color : "#ffffff", opacity: 1
            };
        });
        Object.keys(STATUS_NAMES).forEach(function (letter) {
            table[letter] = {fillColor: statusFill(letter), fillOpacity: 1,
                             color: dense ? "#c8c8c8" : "#ffffff", opacity: 1};
        });
        return table;
    }

    function baseStyle(style, count) {
        return Object.assign({weight: borderWeight(count)}, style);
    }

    function formatNumber(value, payload) {
        var formatter = new Intl.NumberFormat(payload.locale, {
            minimumFractionDigits: payload.decimals, maximumFractionDigits: payload.decimals
        });
        var text = formatter.format(value);
        if (payload.locale === "fr-FR") {
            text = text.replace("-", "\u2212");
        }
        if (!payload.unit) {
            return text;
        }
        if (payload.unit === "%" && payload.locale !== "fr-FR") {
            return text + "%";
        }
        return text + "\u00a0" + payload.unit;
    }

    function describe(index) {
        var payload = carte.payload;
        var registry = carte.registry;
        if (!payload || !registry || index < 0) {
            return "";
        }
        var layer = registry.layers[index];
        var name = layer.feature.properties.name || layer.feature.properties.code;
        var letter = payload.classes.charAt(index);
        var text;
        if (STATUS_NAMES[letter]) {
            text = payload.status_labels[letter];
        } else if (payload.categorical) {
            text = payload.labels[letter.charCodeAt(0) - 48] || "";
        } else {
            if (!carte.valueList || carte.valueList.source !== payload) {
                carte.valueList = payload.values.split(",");
                carte.valueList.source = payload;
            }
            text = formatNumber(Number(carte.valueList[index]), payload);
        }
        return "<strong>" + escapeHtml(name) + "</strong><br>" + escapeHtml(text);
    }

    function isReady() {
        var payload = carte.payload;
        var registry = carte.registry;
        return Boolean(payload && registry && payload.key === registry.key &&
                       payload.n === registry.layers.length);
    }

    function highlightSelected() {
        var registry = carte.registry;
        if (!registry || carte.selected === null) {
            return;
        }
        var index = registry.index.get(carte.selected);
        if (index === undefined) {
            return;
        }
        var layer = registry.layers[index];
        layer.setStyle({color: "#111111", weight: 2.5});
        layer.bringToFront();
    }

    function restyleOne(index) {
        var table = carte.styles;
        var layer = carte.registry.layers[index];
        layer.setStyle(table[carte.payload.classes.charAt(index)] || LOADING_STYLE);
    }

    /* Restyle every feature from the current payload: the repaint after a switch. */
    function paint() {
        if (!isReady()) {
            return false;
        }
        var started = performance.now();
        var layers = carte.registry.layers;
        var classes = carte.payload.classes;
        var table = styleTable(carte.payload);
        carte.styles = table;
        if (carte.createdWith !== carte.payload) {
            var renderer = layers.length ? layers[0]._renderer : null;
            if (renderer instanceof L.Canvas) {
                // Set the options of every path, then redraw the canvas once, because per-path
                // setStyle requests one partial redraw per path (Leaflet 1.9 internals: _redraw).
                for (var i = 0; i < layers.length; i++) {
                    Object.assign(layers[i].options, table[classes.charAt(i)] || LOADING_STYLE);
                }
                renderer._redrawBounds = null;
                if (!renderer._redrawRequest) {
                    renderer._redrawRequest = L.Util.requestAnimFrame(renderer._redraw, renderer);
                }
            } else {
                for (var j = 0; j < layers.length; j++) {
                    layers[j].setStyle(table[classes.charAt(j)] || LOADING_STYLE);
                }
            }
        }
        carte.createdWith = null;
        highlightSelected();
        applyZoomRequest();
        // Recorded for the benchmark: when the last repaint was asked and how long it took.
        carte.lastPaint = {key: carte.payload.key, token: carte.payload.token,
                           at: performance.now(), took: performance.now() - started};
        window.requestAnimationFrame(function () {
            carte.lastPaint.painted = performance.now();
        });
        return true;
    }

    function applyZoomRequest() {
        var request = carte.zoomRequest;
        var registry = carte.registry;
        if (!request || !registry || !carte.map) {
            return;
        }
        var index = registry.index.get(request);
        if (index === undefined) {
            return;
        }
        carte.zoomRequest = null;
        var bounds = registry.layers[index].getBounds();
        if (bounds.isValid()) {
            // Some margin keeps the neighbours in view, for context.
            carte.map.fitBounds(bounds.pad(0.25), {maxZoom: 11});
        }
    }

    function registryKey(context) {
        var url = (context && context.url) || "";
        var name = url.replace(/^.*\/geo\//, "").replace(/\.pbf.*$/, "");
        var deps = context && context.hideout && context.hideout.departements;
        return deps && deps.length ? name + ":" + deps.join(",") : name;
    }

    function bindGroup(group) {
        if (group._atlasBound) {
            return;
        }
        group._atlasBound = true;
        group.on("mouseover", function (event) {
            var layer = event.propagatedFrom || event.layer;
            var registry = carte.registry;
            if (!layer || !registry || registry.group !== group) {
                return;
            }
            var index = registry.index.get(layer.feature.properties.code);
            carte.hovered = index;
            if (isReady()) {
                layer.setStyle({color: "#222222", weight: 2});
            }
            if (!carte.tooltip) {
                carte.tooltip = L.tooltip({sticky: true, direction: "top", offset: [0, -8],
                                           className: "carte-tooltip"});
            }
            carte.tooltip.setLatLng(event.latlng).setContent(describe(isReady() ? index : -1) ||
                escapeHtml(layer.feature.properties.name || ""));
            carte.map.openTooltip(carte.tooltip);
        });
        group.on("mousemove", function (event) {
            if (carte.tooltip) {
                carte.tooltip.setLatLng(event.latlng);
            }
        });
        group.on("mouseout", function (event) {
            var layer = event.propagatedFrom || event.layer;
            var registry = carte.registry;
            if (carte.tooltip && carte.map) {
                carte.map.closeTooltip(carte.tooltip);
            }
            if (!layer || !registry || registry.group !== group || !isReady()) {
                return;
            }
            var index = registry.index.get(layer.feature.properties.code);
            if (index !== undefined) {
                restyleOne(index);
                if (layer.feature.properties.code === carte.selected) {
                    highlightSelected();
                }
            }
        });
        group.on("click", function (event) {
            var layer = event.propagatedFrom || event.layer;
            if (!layer || !window.dash_clientside || !window.dash_clientside.set_props) {
                return;
            }
            window.dash_clientside.set_props("carte-selected", {data: layer.feature.properties.code});
        });
    }

    /* Build the registry once the layers of a (re)load are all added to their group. */
    function flush() {
        carte.flushScheduled = false;
        var pending = carte.pending;
        carte.pending = [];
        if (!pending.length) {
            return;
        }
        var last = pending[pending.length - 1];
        var parents = last._eventParents ? Object.values(last._eventParents) : [];
        var group = parents.length ? parents[0] : null;
        if (!group) {
            return;
        }
        var layers = group.getLayers().filter(function (layer) {
            return layer.feature && layer.feature.properties;
        });
        var sorted = true;
        for (var i = 1; i < layers.length; i++) {
            if (layers[i - 1].feature.properties.code > layers[i].feature.properties.code) {
                sorted = false;
                break;
            }
        }
        if (!sorted) {
            layers.sort(function (a, b) {
                var x = a.feature.properties.code;
                var y = b.feature.properties.code;
                return x < y ? -1 : (x > y ? 1 : 0);
            });
        }
        var index = new Map();
        layers.forEach(function (layer, position) {
            index.set(layer.feature.properties.code, position);
        });
        var previousKey = carte.registry ? carte.registry.key : null;
        carte.registry = {key: last._atlasKey, group: group, layers: layers, index: index,
                          loadedAt: performance.now()};
        // A commune map restricted to a région or a département: show that area, unless the
        // page opened with a view of its own in the URL.
        var scoped = /[-:]/.test(last._atlasKey || "");
        var keepView = previousKey === null && carte.openedWithView;
        if (scoped && last._atlasKey !== previousKey && !keepView && carte.map) {
            var bounds = group.getBounds();
            if (bounds.isValid()) {
                carte.map.fitBounds(bounds, {padding: [10, 10]});
            }
        }
        // Skip the full repaint when every feature was created with the current payload.
        carte.createdWith = (carte.creatingWith && carte.created === layers.length && sorted &&
                             carte.creatingWith === carte.payload) ? carte.payload : null;
        carte.created = 0;
        carte.creatingWith = null;
        bindGroup(group);
        layers.forEach(function (layer) {
            if (layer.options.weight !== borderWeight(layers.length)) {
                layer.options.weight = borderWeight(layers.length);
            }
        });
        paint();
    }

    /* A geometry file the browser cannot decode leaves the map grey, so the page shows a message. */
    function reportGeometryError(text, source) {
        var failed = /geobuf|pbf/i.test(source || "") || /Unimplemented type/.test(text || "");
        if (!failed || !window.dash_clientside || !window.dash_clientside.set_props) {
            return;
        }
        var message = carte.payload && carte.payload.geometry_error;
        if (message) {
            window.dash_clientside.set_props("carte-message", {children: message});
        }
    }

    window.addEventListener("error", function (event) {
        reportGeometryError(event.message, event.filename);
    });
    window.addEventListener("unhandledrejection", function (event) {
        var reason = event.reason || {};
        reportGeometryError(String(reason.message || reason), String(reason.stack || ""));
    });

    window.atlasCarte = {
        state: carte,
        choropleth: {
            /* Features are created in code order, the order of the payload: when the payload of
               this geometry is already there, each feature gets its class colour at once and the
               repaint after loading is skipped. */
            style: function (feature, context) {
                var payload = carte.payload;
                var position = carte.created++;
                if (payload && payload.key === registryKey(context) && position < payload.n) {
                    if (!carte.creationStyles || carte.creationStyles.source !== payload) {
                        carte.creationStyles = {source: payload, table: styleTable(payload)};
                    }
                    var style = carte.creationStyles.table[payload.classes.charAt(position)];
                    if (style) {
                        carte.creatingWith = payload;
                        return baseStyle(style, payload.n);
                    }
                }
                carte.creatingWith = null;
                return LOADING_STYLE;
            },
            onEachFeature: function (feature, layer, context) {
                carte.map = context && context.map ? context.map : carte.map;
                layer._atlasKey = registryKey(context);
                carte.pending.push(layer);
                if (!carte.flushScheduled) {
                    carte.flushScheduled = true;
                    window.setTimeout(flush, 0);
                }
            },
            filter: function (feature, context) {
                // A territory without geometry comes as a MultiPolygon without coordinates,
                // which Leaflet cannot read; an empty list keeps one layer per territory.
                if (feature.geometry && !feature.geometry.coordinates) {
                    feature.geometry.coordinates = [];
                }
                var deps = context && context.hideout && context.hideout.departements;
                if (!deps || !deps.length) {
                    return true;
                }
                var code = feature.properties.code;
                var dep = code.indexOf("97") === 0 ? code.slice(0, 3) : code.slice(0, 2);
                return deps.indexOf(dep) >= 0;
            }
        }
    };

    /* Place layers: one clustered layer per chosen domain or type, drawn in its domain colour. */
    window.atlasCarte.places = {
        point: function (feature, latlng, context) {
            var color = (context && context.hideout && context.hideout.color) || "#444444";
            var marker = L.circleMarker(latlng, {radius: 5, color: "#ffffff", weight: 1,
                                                 fillColor: color, fillOpacity: 0.95});
            marker.on("click", function () {
                if (window.dash_clientside && window.dash_clientside.set_props) {
                    window.dash_clientside.set_props("carte-place-click", {data: {
                        id: feature.properties.id, lat: latlng.lat, lng: latlng.lng, at: Date.now()
                    }});
                }
            });
            return marker;
        },
        cluster: function (feature, latlng, index, context) {
            var color = (context && context.hideout && context.hideout.color) || "#444444";
            var count = feature.properties.point_count;
            var size = count < 100 ? 30 : (count < 1000 ? 38 : 46);
            var icon = L.divIcon({
                html: "<div style=\"background:" + color + "\"><span>" +
                      escapeHtml(feature.properties.point_count_abbreviated) + "</span></div>",
                className: "carte-cluster", iconSize: L.point(size, size)
            });
            return L.marker(latlng, {icon: icon, keyboard: false});
        }
    };

    window.dash_clientside = Object.assign({}, window.dash_clientside, {
        carte: {
            /* Apply a new payload: restyle the existing layers, never reload the geometry. */
            repaint: function (payload, statusStyles) {
                if (statusStyles) {
                    carte.statusStyles = statusStyles;
                }
                if (payload) {
                    payload.token = performance.now();
                    carte.payload = payload;
                    paint();
                }
                return window.dash_clientside.no_update;
            },
            /* Highlight the selected territory; zoom to it when the search asked for it. */
            select: function (code, zoomRequest) {
                var registry = carte.registry;
                var previous = carte.selected;
                carte.selected = code || null;
                if (registry && isReady() && previous !== null) {
                    var old = registry.index.get(previous);
                    if (old !== undefined) {
                        restyleOne(old);
                    }
                }
                if (zoomRequest && zoomRequest.code) {
                    carte.zoomRequest = zoomRequest.code;
                }
                if (isReady()) {
                    highlightSelected();
                    applyZoomRequest();
                }
                return window.dash_clientside.no_update;
            },
            /* Keep the address bar in step with the view, without reloading the page. */
            syncUrl: function (query, selected, places, center, zoom) {
                if (!query) {
                    return window.dash_clientside.no_update;
                }
                var params = new URLSearchParams();
                Object.keys(query).forEach(function (key) {
                    params.set(key, query[key]);
                });
                if (selected) {
                    params.set("code", selected);
                }
                if (places && places.length) {
                    params.set("places", places.join(","));
                }
                if (center && zoom !== undefined && zoom !== null) {
                    var lat = Array.isArray(center) ? center[0] : center.lat;
                    var lng = Array.isArray(center) ? center[1] : center.lng;
                    if (typeof lat === "number" && typeof lng === "number") {
                        params.set("view", lat.toFixed(4) + "," + lng.toFixed(4) + "," + zoom);
                    }
                }
                var search = params.toString();
                var href = window.location.pathname + (search ? "?" + search : "");
                if (href !== window.location.pathname + window.location.search) {
                    window.history.replaceState(window.history.state, "", href);
                    // The header's language link is built from the URL when the page opens;
                    // keep it pointing to the current view.
                    var link = document.getElementById("shell-lang-switch");
                    if (link) {
                        var other = new URLSearchParams(search);
                        if (other.get("lang") === "en") {
                            other.delete("lang");
                        } else {
                            other.set("lang", "en");
                        }
                        var text = other.toString();
                        link.setAttribute("href", window.location.pathname + (text ? "?" + text : ""));
                    }
                }
                return window.dash_clientside.no_update;
            }
        }
    });
}());
