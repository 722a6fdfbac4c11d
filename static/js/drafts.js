/* Never lose typed text (pmsystem.drafts): what is typed into a long form is saved on the
   server as a draft a second after typing stops (htmx), and when the page is left or hidden
   (navigator.sendBeacon); the form's draft comes back into it when the page is shown again,
   with a way to discard it. The server deletes the draft once the form itself is saved.

   A form takes part when it carries data-draft-url (the {% draft_form %} tag, which also puts
   the author's draft in data-draft-fields and its time in data-draft-saved). Only text is
   sent: its textareas and text inputs; the server keeps only the fields the form declares. */
(function () {
  "use strict";
  var DELAY = 1000;
  var texts = document.getElementById("draft-texts");
  var lang = document.documentElement.lang || undefined;
  var signedOut = false;
  var forms = [];

  function text(name, when) {
    var template = texts && texts.content.querySelector("[data-text='" + name + "']");
    var node = template ? template.cloneNode(true) : document.createElement("span");
    var time = node.querySelector("time");
    if (time && when) {
      time.dateTime = when.toISOString();
      time.textContent = when.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
    }
    return node;
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (e) {
      return "";
    }
  }

  function textFields(form) {
    return Array.prototype.filter.call(form.elements, function (element) {
      return element.name && !element.disabled &&
        (element.tagName === "TEXTAREA" || (element.tagName === "INPUT" && element.type === "text"));
    });
  }

  function valuesOf(form) {
    var values = {};
    textFields(form).forEach(function (field) { values[field.name] = field.value; });
    return values;
  }

  function Draft(form) {
    this.form = form;
    this.url = form.dataset.draftUrl;
    this.timer = null;
    this.submitting = false;
    this.status = document.createElement("p");
    this.status.className = "draft-status";
    this.status.setAttribute("role", "status");
    // Above the form's buttons (or the row that holds them).
    var anchor = form.querySelector("button[type=submit], button:not([type])");
    while (anchor && anchor.parentNode !== form) { anchor = anchor.parentNode; }
    form.insertBefore(this.status, anchor);
    this.restore();
    this.sent = JSON.stringify(valuesOf(form));
    var self = this;
    form.addEventListener("input", function () { self.schedule(); });
    form.addEventListener("submit", function () {
      self.submitting = true;
      clearTimeout(self.timer);
    });
  }

  Draft.prototype.say = function (node) {
    this.status.replaceChildren(node);
  };

  Draft.prototype.dirty = function () {
    return JSON.stringify(valuesOf(this.form)) !== this.sent;
  };

  Draft.prototype.schedule = function () {
    var self = this;
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { self.save(); }, DELAY);
  };

  // Saved as one types, through htmx (which sends the page's CSRF header). The form itself is
  // not the request's source: htmx would send all of it, files included.
  Draft.prototype.save = function () {
    if (this.submitting || signedOut || !this.dirty()) { return; }
    if (this.inFlight) { this.schedule(); return; }
    var values = valuesOf(this.form);
    var snapshot = JSON.stringify(values);
    var self = this;
    var url = this.url;
    function answer(xhr) {
      if (xhr.status === 204) {
        self.sent = snapshot;
        self.say(text("saved", new Date()));
        document.dispatchEvent(new CustomEvent("pmsystem:server-contact"));
      } else if (xhr.status === 200) {
        // Sent on to the sign-in page: the session has ended.
        signOut();
      } else {
        self.say(text("failed"));
      }
    }
    function done() {
      self.inFlight = false;
      if (pending[url] === answer) {  // htmx dropped the request: try again later
        delete pending[url];
        self.schedule();
      }
    }
    this.inFlight = true;
    pending[url] = answer;
    window.htmx.ajax("POST", url, { values: values, swap: "none" }).then(done, done);
  };

  // The page is going away (or out of sight): what was typed since the last save leaves now.
  Draft.prototype.flush = function () {
    if (this.submitting || signedOut || !this.dirty() || !navigator.sendBeacon) { return; }
    clearTimeout(this.timer);
    var data = new FormData();
    var values = valuesOf(this.form);
    Object.keys(values).forEach(function (name) { data.append(name, values[name]); });
    data.append("csrfmiddlewaretoken", csrfToken());
    if (navigator.sendBeacon(this.url, data)) {
      this.sent = JSON.stringify(values);
      document.dispatchEvent(new CustomEvent("pmsystem:server-contact"));
    }
  };

  Draft.prototype.restore = function () {
    var form = this.form;
    var kept;
    try { kept = JSON.parse(form.dataset.draftFields || "null"); } catch (e) { kept = null; }
    if (!kept) { return; }
    var before = {};
    var changed = false;
    textFields(form).forEach(function (field) {
      if (Object.prototype.hasOwnProperty.call(kept, field.name) && kept[field.name] !== field.value) {
        before[field.name] = field.value;
        field.value = kept[field.name];
        changed = true;
      }
    });
    if (!changed) { return; }
    var notice = document.createElement("div");
    notice.className = "message info draft-restored";
    notice.setAttribute("role", "status");
    var saved = new Date(form.dataset.draftSaved);
    var message = text("restored", isNaN(saved) ? null : saved);
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "link";
    discard.appendChild(text("discard"));
    notice.append(message, " ", discard);
    var heading = form.firstElementChild;
    while (heading && (heading.tagName === "INPUT" && heading.type === "hidden")) {
      heading = heading.nextElementSibling;
    }
    if (heading && /^H[1-6]$/.test(heading.tagName)) {
      heading.after(notice);
    } else {
      form.prepend(notice);
    }
    var self = this;
    discard.addEventListener("click", function () {
      textFields(form).forEach(function (field) {
        if (Object.prototype.hasOwnProperty.call(before, field.name)) { field.value = before[field.name]; }
      });
      clearTimeout(self.timer);
      self.sent = JSON.stringify(valuesOf(form));
      window.htmx.ajax("POST", self.url, { values: { discard: "1" }, swap: "none" });
      notice.replaceChildren(text("discarded"));
    });
  };

  // The answers of the drafts' htmx requests, by URL (one request at a time per form).
  var pending = {};
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var detail = event.detail || {};
    var path = detail.pathInfo && detail.pathInfo.requestPath;
    var answer = path && pending[path];
    if (answer && detail.xhr) {
      delete pending[path];
      answer(detail.xhr);
    }
  });

  function signOut() {
    if (signedOut) { return; }
    signedOut = true;
    forms.forEach(function (draft) { draft.say(text("signed-out")); });
    document.dispatchEvent(new CustomEvent("pmsystem:signed-out"));
  }

  document.querySelectorAll("form[data-draft-url]").forEach(function (form) {
    forms.push(new Draft(form));
  });
  if (!forms.length) { return; }
  document.addEventListener("pmsystem:session-ended", function () {
    signedOut = true;
    forms.forEach(function (draft) { clearTimeout(draft.timer); });
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { forms.forEach(function (draft) { draft.flush(); }); }
  });
  window.addEventListener("pagehide", function () { forms.forEach(function (draft) { draft.flush(); }); });
}());
