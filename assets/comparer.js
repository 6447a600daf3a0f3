// Comparer page: every control rewrites the URL and the page is rebuilt from it, which drops the
// keyboard focus. Remember the last focused control of the page and focus it again once the
// rebuilt page shows it, so that keyboard and screen-reader users keep their place.
(function () {
  "use strict";
  var STORAGE_KEY = "comparer-focus";
  var RESTORE_WINDOW_MS = 15000;
  var restoreUntil = 0;

  function ownerId(element) {
    var owner = element.closest && element.closest('.page-comparer [id^="comparer-"], .page-comparer [id^="{"]');
    return owner ? owner.id : null;
  }

  document.addEventListener("focusin", function (event) {
    var id = ownerId(event.target);
    if (id) {
      try { sessionStorage.setItem(STORAGE_KEY, id); } catch (error) { /* storage disabled */ }
    }
  });

  function armRestore() { restoreUntil = Date.now() + RESTORE_WINDOW_MS; }
  window.addEventListener("_dashprivate_pushstate", armRestore);
  window.addEventListener("popstate", armRestore);

  new MutationObserver(function () {
    if (Date.now() > restoreUntil) return;
    var active = document.activeElement;
    if (active && active !== document.body && active.id !== "main-content") return;
    var id = null;
    try { id = sessionStorage.getItem(STORAGE_KEY); } catch (error) { return; }
    var element = id && document.getElementById(id);
    if (!element) return;
    var target = element.matches("input, button, a[href], select, textarea, [tabindex]")
      ? element : element.querySelector("input, button, a[href], select, textarea, [tabindex]");
    if (target) {
      target.focus({ preventScroll: true });
      restoreUntil = 0;
    }
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
