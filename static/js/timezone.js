// Tells the server the browser's time zone (dashboard.timezones): a cookie "vh_tz" holding the IANA name
// that Intl reports, e.g. "Europe/Warsaw". The server checks it against the zones it knows and ignores
// anything else; a zone chosen on the Settings page wins over it. Written on every page (the sign-in page
// included), so the first dashboard page after signing in already shows the browser's zone.
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
  if (document.cookie.split("; ").indexOf(cookie) !== -1) {
    return;
  }
  var secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = cookie + "; path=/; max-age=31536000; SameSite=Lax" + secure;
})();
