// Export links of the download menus (layouts/components/downloads.py): complete each link with
// the page's current query string when it is pointed at, focused or clicked, so the export is
// the view on screen even when the page rewrote its address itself.
(function () {
    function completeLink(link) {
        const params = new URLSearchParams(window.location.search);
        let extra = {};
        try {
            extra = JSON.parse(link.getAttribute("data-export-params") || "{}");
        } catch (error) {
            extra = {};
        }
        Object.keys(extra).forEach(function (name) { params.set(name, extra[name]); });
        const view = link.getAttribute("data-export-view");
        const format = link.getAttribute("data-export-format");
        link.setAttribute("href", "/export/" + view + "." + format + "?" + params.toString());
    }

    function handle(event) {
        const link = event.target.closest && event.target.closest("a[data-export-view]");
        if (link) { completeLink(link); }
    }

    ["mouseover", "focusin", "mousedown", "click", "auxclick", "contextmenu"].forEach(function (type) {
        document.addEventListener(type, handle, true);
    });
})();
