/* Before the idle timeout (org.middleware.SessionLimitsMiddleware) the page warns and offers to
   stay signed in; once it has passed, it says so and links to the sign-in page, which brings
   the person back here (where static/js/drafts.js puts back what they were typing).

   The <body> carries the timeout (data-session-*, org/templatetags/org_session.py) and the
   seconds left when the page was served. Every request the page makes (htmx, a draft) may
   start the clock again on the server (its "last seen" is rewritten at most every
   data-session-resolution seconds), so here the clock is counted from the latest request:
   the session has surely ended when it runs out, and the warning comes at the latest
   `resolution` seconds later than it could. Other tabs of the same site share the time
   through localStorage. */
(function () {
  "use strict";
  var body = document.body;
  var idle = Number(body.dataset.sessionIdle);
  var box = document.getElementById("session-warning");
  if (!idle || !box) { return; }
  var keepAliveUrl = body.dataset.sessionKeepAlive;
  // Warn two minutes before (a third of the timeout when that is shorter).
  var lead = Math.min(120, idle / 3);
  var KEY = "pmsystem.session.expires";
  // A second's margin: the server counts whole seconds.
  var MARGIN = 1000;
  var expires = Date.now() + Number(body.dataset.sessionLeft) * 1000 + MARGIN;
  var warnTimer = null;
  var endTimer = null;
  var ended = false;

  function shared() {
    try { return Number(window.localStorage.getItem(KEY)) || 0; } catch (e) { return 0; }
  }

  function share() {
    if (expires <= shared()) { return; }
    try { window.localStorage.setItem(KEY, String(expires)); } catch (e) { /* private mode */ }
  }

  function show(state) {
    box.querySelectorAll("[data-session-shown]").forEach(function (element) {
      element.hidden = element.getAttribute("data-session-shown") !== state;
    });
    var wasHidden = box.hidden;
    box.hidden = false;
    if (wasHidden || state === "ended") {
      var focus = box.querySelector("[data-session-shown='" + state + "']:not(p)");
      if (focus) { focus.focus(); }
    }
  }

  function hide() { box.hidden = true; }

  function schedule() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    if (ended) { return; }
    var left = expires - Date.now();
    var end = box.querySelector("time[data-session-end]");
    if (end) {
      var at = new Date(expires);
      end.dateTime = at.toISOString();
      end.textContent = at.toLocaleTimeString(document.documentElement.lang || undefined,
        { hour: "2-digit", minute: "2-digit" });
    }
    if (left <= 0) { expire(); return; }
    if (left <= lead * 1000) { show("warning"); } else { hide(); }
    warnTimer = setTimeout(function () { show("warning"); schedule(); },
      Math.max(0, left - lead * 1000));
    endTimer = setTimeout(check, left);
  }

  // The clock ran out here; another tab may have kept the session going meanwhile.
  function check() {
    if (shared() > expires) { expires = shared(); schedule(); return; }
    expire();
  }

  function expire() {
    ended = true;
    document.dispatchEvent(new CustomEvent("pmsystem:session-ended"));
    var link = box.querySelector("[data-session-sign-in]");
    var here = window.location.pathname + window.location.search;
    link.href = body.dataset.sessionLogin + "?next=" + encodeURIComponent(here);
    show("ended");
  }

  // A request reached the server at `at` (ms): its "last seen" is at most `at`.
  function touched(at) {
    if (ended) { return; }
    var next = at + idle * 1000 + MARGIN;
    if (next > expires) {
      expires = next;
      share();
      schedule();
    }
  }

  function stay() {
    var request = new XMLHttpRequest();
    request.open("POST", keepAliveUrl);
    request.setRequestHeader("X-CSRFToken", csrfToken());
    request.setRequestHeader("Accept", "application/json");
    request.onload = function () {
      var answer = null;
      try { answer = JSON.parse(request.responseText); } catch (e) { answer = null; }
      if (request.status === 200 && answer && answer.idle_seconds) {
        expires = Date.now() + answer.idle_seconds * 1000 + MARGIN;
        try { window.localStorage.setItem(KEY, String(expires)); } catch (e) { /* private mode */ }
        hide();
        schedule();
      } else {
        expire();  // signed out already: the answer was the sign-in page
      }
    };
    request.onerror = function () { schedule(); };
    request.send();
  }

  function csrfToken() {
    try { return JSON.parse(body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }

  box.querySelector("[data-session-stay]").addEventListener("click", stay);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !box.hidden && !ended) { stay(); }
  });
  body.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail && event.detail.successful) { touched(Date.now()); }
  });
  // static/js/drafts.js: a draft reached the server (a request like any other).
  document.addEventListener("pmsystem:server-contact", function () { touched(Date.now()); });
  document.addEventListener("pmsystem:signed-out", function () { if (!ended) { expire(); } });
  window.addEventListener("storage", function (event) {
    if (event.key === KEY && shared() > expires) { expires = shared(); schedule(); }
  });
  share();
  schedule();
}());
