// Tells the server the browser's time zone (dashboard.timezones): a cookie "vh_tz" holding the IANA name
// that Intl reports, e.g. "Europe/Warsaw". The server checks it against the zones it knows and ignores
// anything else; a zone chosen on the Settings page wins over it. Written on every page (the sign-in page
// included), so the first dashboard page after signing in already shows the browser's zone.
// A page rendered before the cookie existed shows the installation's default zone (its body says which in
// data-vh-zone): once the cookie is written, a GET page is loaded again in the browser's zone, once.
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!zone || !/^[A-Za-z0-9_+\-\/]{1,64}$/.test(zone)) {
    return;
  }
  var cookie = "vh_tz=" + zone;
  if (document.cookie.split("; ").indexOf(cookie) === -1) {
    var secure = window.location.protocol === "https:" ? "; Secure" : "";
    document.cookie = cookie + "; path=/; max-age=31536000; SameSite=Lax" + secure;
  }
  var shown = document.body && document.body.getAttribute("data-vh-zone");
  if (!shown || shown === zone || document.cookie.split("; ").indexOf(cookie) === -1) {
    return; // already in the browser's zone, or cookies are refused: the page names the zone it shows
  }
  var key = "vh_tz_reloaded:" + window.location.href;
  try {
    if (window.sessionStorage.getItem(key)) return; // the server would not take the zone: never loop
    window.sessionStorage.setItem(key, "1");
  } catch (error) {
    return;
  }
  window.location.reload();
})();
