// lore.js: what JavaScript adds to the pages, which work without it (plain forms, server-rendered
// HTML). No library, nothing from outside, no eval, no inline handler (the CSP allows 'self' only).
//   - live: the node's watch events (GET /events, Server-Sent Events); on a question page an event
//     about it refreshes #answers from /q/ID/answers (the same markup as the page);
//   - an unread count "(N) " in the title while the page is not looked at;
//   - a desktop notification for urgent questions for me, once the person allowed it (the button
//     "Allow notifications": permission is asked only on that click);
//   - on /ask: a Markdown preview (POST /preview), tag suggestions (GET /tags), similar questions
//     while the title is typed (GET /similar).
'use strict';
(function () {
  var baseTitle = document.title;
  var unread = 0;

  function showUnread() {
    document.title = unread > 0 ? '(' + unread + ') ' + baseTitle : baseTitle;
  }

  function seen() {
    if (!document.hidden && document.hasFocus()) {
      unread = 0;
      showUnread();
    }
  }

  function debounce(fn, ms) {
    var t = null;
    return function () {
      if (t !== null) clearTimeout(t);
      t = setTimeout(fn, ms);
    };
  }

  function csrf() {
    var f = document.querySelector('input[name=csrf]');
    return f ? f.value : '';
  }

  // ---- the question page: #answers follows the node ----

  var answers = document.getElementById('answers');
  var question = answers ? answers.getAttribute('data-question') : null;
  var refreshing = false;
  var again = false;

  // True while the person types inside #answers (a comment): a refresh would lose it.
  function typingInAnswers() {
    var a = document.activeElement;
    return answers && a && answers.contains(a) && (a.value || '') !== '';
  }

  function refreshAnswers() {
    if (!question) return;
    if (refreshing || typingInAnswers()) {
      again = true;
      return;
    }
    refreshing = true;
    fetch('/q/' + question + '/answers', { credentials: 'same-origin' })
      .then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.text();
      })
      .then(function (html) {
        var t = document.createElement('template');
        t.innerHTML = html;
        var fresh = t.content.querySelector('#answers');
        if (fresh) {
          answers.replaceWith(fresh);
          answers = fresh;
        }
      })
      .catch(function () {})
      .then(function () {
        refreshing = false;
        if (again) {
          again = false;
          refreshAnswers();
        }
      });
  }
  if (answers) {
    document.addEventListener('focusout', function () {
      if (again && !refreshing) {
        again = false;
        refreshAnswers();
      }
    });
  }

  // Is this entry about the question shown: the question, or something referring to it or to
  // one of its answers?
  function aboutShown(e) {
    if (!question || !e) return false;
    if (e.id === question) return true;
    var refs = e.refs || [];
    for (var i = 0; i < refs.length; i++) {
      if (refs[i] === question || document.getElementById('a-' + refs[i])) return true;
    }
    return false;
  }

  // ---- notifications ----

  var canNotify = 'Notification' in window;

  function offerNotifications() {
    if (!canNotify || Notification.permission !== 'default') return;
    var nav = document.querySelector('header nav');
    if (!nav) return;
    var b = document.createElement('button');
    b.type = 'button';
    b.className = 'notify-allow';
    b.textContent = 'Allow notifications';
    b.addEventListener('click', function () {
      Notification.requestPermission().then(function () {
        b.remove();
      });
    });
    nav.appendChild(b);
  }

  function notify(ev) {
    var e = ev.entry;
    if (!canNotify || Notification.permission !== 'granted' || !ev.for_you || !e) return;
    if (e.kind !== 'question' || !e.urgent) return;
    var n = new Notification('Urgent: ' + (e.title || 'a question'), {
      body: ev.reason || '',
      tag: 'lore-' + e.id
    });
    n.addEventListener('click', function () {
      window.focus();
      window.location.href = '/q/' + e.id;
    });
  }

  // ---- the event stream ----

  function onEntry(msg) {
    var ev;
    try {
      ev = JSON.parse(msg.data);
    } catch (err) {
      return;
    }
    if (document.hidden || !document.hasFocus()) {
      unread++;
      showUnread();
    }
    notify(ev);
    if (aboutShown(ev.entry)) refreshAnswers();
  }

  if ('EventSource' in window) {
    var es = new EventSource('/events');
    es.addEventListener('entry', onEntry);
    es.addEventListener('reminder', onEntry);
    // Events were lost (the queue's bound): the page catches up as a whole.
    es.addEventListener('reload', refreshAnswers);
  }
  document.addEventListener('visibilitychange', seen);
  window.addEventListener('focus', seen);
  offerNotifications();

  // ---- the ask form ----

  var ask = document.querySelector('form.ask');
  if (!ask) return;
  var title = ask.querySelector('input[name=title]');
  var body = ask.querySelector('textarea[name=body]');
  var tags = ask.querySelector('input[name=tags]');

  function after(el, cls, label) {
    var box = document.createElement('div');
    box.className = cls;
    box.setAttribute('aria-live', 'polite');
    if (label) box.setAttribute('aria-label', label);
    el.insertAdjacentElement('afterend', box);
    return box;
  }

  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
  }

  if (title) {
    var similar = after(title, 'similar', 'Similar questions');
    title.addEventListener('input', debounce(function () {
      var q = title.value.trim();
      if (q.length < 4) {
        clear(similar);
        return;
      }
      fetch('/similar?title=' + encodeURIComponent(q), { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (j) {
          clear(similar);
          if (!j.results || j.results.length === 0) return;
          var p = document.createElement('p');
          p.textContent = 'Already asked?';
          similar.appendChild(p);
          var ul = document.createElement('ul');
          j.results.forEach(function (r) {
            var li = document.createElement('li');
            var a = document.createElement('a');
            a.href = '/q/' + r.id;
            a.textContent = r.title;
            li.appendChild(a);
            if (r.status) li.appendChild(document.createTextNode(' (' + r.status + ')'));
            ul.appendChild(li);
          });
          similar.appendChild(ul);
        })
        .catch(function () {});
    }, 300));
  }

  if (body) {
    var preview = after(body, 'preview', 'Preview');
    body.addEventListener('input', debounce(function () {
      var data = new URLSearchParams();
      data.set('csrf', csrf());
      data.set('body', body.value);
      fetch('/preview', { method: 'POST', body: data, credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.text() : ''; })
        .then(function (html) {
          // The node's renderer (render.c, safe mode) made this: nothing in it can run.
          preview.innerHTML = html;
        })
        .catch(function () {});
    }, 400));
  }

  if (tags) {
    var hints = after(tags, 'tag-hints', 'Tag suggestions');
    tags.addEventListener('input', debounce(function () {
      var words = tags.value.split(/[\s,]+/);
      var last = words[words.length - 1];
      clear(hints);
      if (last === '') return;
      fetch('/tags?prefix=' + encodeURIComponent(last), { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : { tags: [] }; })
        .then(function (j) {
          clear(hints);
          (j.tags || []).forEach(function (t) {
            var b = document.createElement('button');
            b.type = 'button';
            b.className = 'tag';
            b.textContent = t.tag + ' (' + t.count + ')';
            b.addEventListener('click', function () {
              var w = tags.value.split(/[\s,]+/);
              w[w.length - 1] = t.tag;
              tags.value = w.join(' ') + ' ';
              clear(hints);
              tags.focus();
            });
            hints.appendChild(b);
          });
        })
        .catch(function () {});
    }, 200));
  }
})();
