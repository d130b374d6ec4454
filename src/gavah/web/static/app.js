/* gavah web workspace: the one script of our own.
   Plain ES2018, no modules, no build step, no inline handlers (the CSP forbids them).
   Loaded with `defer` after /static/vendor/htmx.min.js (and, on the upload page,
   /static/vendor/tus.min.js). The only global it sets is window.gavahUploads (upload page). */
(function () {
  'use strict';

  // ---------------------------------------------------------------- helpers

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : '';
  }

  function closestFrom(target, selector) {
    return target && target.closest ? target.closest(selector) : null;
  }

  // A name as people gave it, shown so it cannot disguise itself (as gavah.web.bidi does on
  // the server): bidi controls and other invisible characters become visible U+XXXX marks,
  // in a <bdi> so nothing in it reorders the text around it. ZWNJ and ZWJ stay (Persian).
  const HIDDEN = /(?![\u200c\u200d\t\n])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

  function shownName(text) {
    const bdi = document.createElement('bdi');
    bdi.setAttribute('dir', 'auto');
    Array.from(String(text)).forEach(function (ch) {
      if (HIDDEN.test(ch)) {
        const mark = document.createElement('span');
        mark.className = 'ctl';
        mark.textContent = 'U+' + ch.codePointAt(0).toString(16).toUpperCase().padStart(4, '0');
        bdi.appendChild(mark);
      } else if (bdi.lastChild && bdi.lastChild.nodeType === Node.TEXT_NODE) {
        bdi.lastChild.appendData(ch);
      } else {
        bdi.appendChild(document.createTextNode(ch));
      }
    });
    return bdi;
  }

  // --------------------------------------------------------------- htmx setup

  if (window.htmx && window.htmx.config) {
    // Deferred scripts run before DOMContentLoaded, when htmx reads its config, so these
    // take effect; a <meta name="htmx-config"> still overrides them.
    const cfg = window.htmx.config;
    cfg.includeIndicatorStyles = false; // an injected <style> is blocked by the CSP; app.css has them
    cfg.allowEval = false; // no eval under this CSP anyway
    cfg.allowScriptTags = false; // never run scripts that arrive in swapped HTML
    cfg.historyCacheSize = 0; // keep no page snapshots (evidence metadata) in browser storage
    cfg.refreshOnHistoryMiss = true; // back/forward then reloads the page in full
  }

  // a. CSRF header on every htmx request
  (document.body || document).addEventListener('htmx:configRequest', function (e) {
    const token = csrfToken();
    if (token && e.detail && e.detail.headers) {
      e.detail.headers['X-CSRF-Token'] = token;
    }
  });

  // ------------------------------------------------------------ b. data-confirm
  // Capture phase on document: runs before htmx's own listeners on the element, and
  // stopPropagation there keeps a refused action from reaching them at all.

  document.addEventListener('click', function (e) {
    const el = closestFrom(e.target, 'button[data-confirm], input[type="submit"][data-confirm], a[data-confirm]');
    if (!el || el.disabled) return;
    if (!window.confirm(el.getAttribute('data-confirm'))) {
      e.preventDefault();
      e.stopPropagation();
      return;
    }
    el.dataset.confirmedAt = String(Date.now());
  }, true);

  document.addEventListener('submit', function (e) {
    const form = e.target;
    if (!form || !form.matches || !form.matches('form[data-confirm]')) return;
    // A submit button that carried its own data-confirm was just confirmed: do not ask twice.
    const submitter = e.submitter;
    if (submitter && submitter.hasAttribute('data-confirm') &&
        Date.now() - Number(submitter.dataset.confirmedAt || 0) < 2000) {
      return;
    }
    if (!window.confirm(form.getAttribute('data-confirm'))) {
      e.preventDefault();
      e.stopPropagation();
    }
  }, true);

  // --------------------------------------------------------------- c. data-copy

  // Plain http on a local network has no Clipboard API: fall back to a hidden selection.
  function copyBySelection(text) {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.className = 'sr-only';
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand('copy'); } catch (err) { ok = false; }
    area.remove();
    return ok ? Promise.resolve() : Promise.reject(new Error('copy failed'));
  }

  function copyText(text) {
    if (navigator.clipboard && typeof navigator.clipboard.writeText === 'function') {
      return navigator.clipboard.writeText(text).catch(function () { return copyBySelection(text); });
    }
    return copyBySelection(text);
  }

  document.addEventListener('click', function (e) {
    const button = closestFrom(e.target, '[data-copy]');
    if (!button) return;
    e.preventDefault();
    let source = null;
    try { source = document.querySelector(button.getAttribute('data-copy')); } catch (err) { source = null; }
    if (!source) return;
    const text = ('value' in source && typeof source.value === 'string' && source.tagName !== 'BUTTON')
      ? source.value
      : source.textContent.trim();
    copyText(text).then(function () {
      const label = button.getAttribute('data-copied-text');
      if (!label || button.dataset.copyShowing) return;
      const original = Array.prototype.map.call(button.childNodes, function (n) { return n.cloneNode(true); });
      button.dataset.copyShowing = '1';
      button.textContent = label;
      window.setTimeout(function () {
        button.textContent = '';
        original.forEach(function (n) { button.appendChild(n); });
        delete button.dataset.copyShowing;
      }, 2000);
    }, function () {
      // Could not copy: select the text so the user can copy it by hand.
      const range = document.createRange();
      range.selectNodeContents(source);
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
    });
  });

  // --------------------------------------------------------- d. data-autosubmit

  document.addEventListener('change', function (e) {
    const el = e.target;
    if (!el || !el.matches || !el.matches('select[data-autosubmit], input[data-autosubmit]')) return;
    const form = el.form;
    if (!form) return;
    if (typeof form.requestSubmit === 'function') {
      form.requestSubmit(); // fires "submit": htmx and data-confirm see it
    } else {
      form.submit();
    }
  });

  // ------------------------------------------------------------- e. uploading

  function initUploads() {
    const form = document.getElementById('upload-form');
    const list = document.getElementById('upload-list');
    if (!form || !list) return;

    const fileInput = document.getElementById('upload-files');
    const dropzone = document.getElementById('dropzone');
    const ds = form.dataset;
    const msg = {
      done: ds.msgDone || 'Stored',
      duplicate: ds.msgDuplicate || ds.msgDone || 'Stored',
      failed: ds.msgFailed || 'Upload failed',
      resumed: ds.msgResumed || 'Resuming from',
      tooBig: ds.msgTooBig || 'Too large',
      paused: ds.msgPaused || 'Paused',
      pause: ds.msgPause || 'Pause',
      resume: ds.msgResume || 'Resume',
      retrying: ds.msgRetrying || 'Connection lost, retrying',
      bundleHeld: ds.msgBundleHeld || 'Piece {piece} held: {received} of {pieces}',
      bundleMissing: ds.msgBundleMissing || 'Missing:',
      bundleRefused: ds.msgBundleRefused || 'Piece {piece} refused:',
      bundleRefusedUnknown: ds.msgBundleRefusedUnknown || 'Piece refused:',
      bundleOpened: ds.msgBundleOpened || 'Opened: {count} files',
      bundleAlready: ds.msgBundleAlready || 'Opened before: nothing changed',
      bundleNotOpened: ds.msgBundleNotOpened || 'Complete but not opened:',
      bundlePassphrase: ds.msgBundlePassphrase || 'Open it with a passphrase',
    };
    // tus-js-client resolves the Location header against the endpoint with new URL(),
    // which needs an absolute base.
    const endpoint = new URL(ds.endpoint || '/uploads/', window.location.href).href;
    const chunkSize = Number(ds.chunkSize) || 5242880;
    const maxSize = Number(ds.maxSize) || 0;
    const itemBase = ds.itemBase || '/items/';
    const resultBase = ds.resultBase || '/api/v1/uploads/';
    const lang = document.documentElement.lang || undefined;
    const uploads = [];
    const rows = [];
    window.gavahUploads = uploads;

    let percentFormat = null;
    try {
      percentFormat = new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 0 });
    } catch (err) {
      percentFormat = null;
    }
    function fmtPercent(pct) {
      return percentFormat ? percentFormat.format(pct / 100) : pct + '%';
    }

    const tusReady = typeof window.tus === 'object' && window.tus && window.tus.Upload &&
      window.tus.isSupported !== false;

    // Resumable uploads are remembered in localStorage. Keep that record bare: a hashed
    // fingerprint as the key and only the upload URL, size and time as the value (no file
    // name, source or note on a device that may be seized).
    const baseStorage = tusReady && window.tus.defaultOptions ? window.tus.defaultOptions.urlStorage : null;
    const urlStorage = baseStorage ? {
      findAllUploads: function () { return baseStorage.findAllUploads(); },
      findUploadsByFingerprint: function (fp) { return baseStorage.findUploadsByFingerprint(fp); },
      removeUpload: function (key) { return baseStorage.removeUpload(key); },
      addUpload: function (fp, upload) {
        return baseStorage.addUpload(fp, {
          size: upload.size,
          creationTime: upload.creationTime,
          uploadUrl: upload.uploadUrl,
          parallelUploadUrls: upload.parallelUploadUrls,
        });
      },
    } : null;

    function cyrb53(str, seed) {
      let h1 = 0xdeadbeef ^ seed;
      let h2 = 0x41c6ce57 ^ seed;
      for (let i = 0; i < str.length; i++) {
        const ch = str.charCodeAt(i);
        h1 = Math.imul(h1 ^ ch, 2654435761);
        h2 = Math.imul(h2 ^ ch, 1597334677);
      }
      h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
      h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
      return (h2 >>> 0).toString(16).padStart(8, '0') + (h1 >>> 0).toString(16).padStart(8, '0');
    }

    function digest(text) {
      const subtle = window.crypto && window.crypto.subtle;
      if (subtle && window.isSecureContext) {
        return subtle.digest('SHA-256', new TextEncoder().encode(text)).then(function (buf) {
          return Array.prototype.map.call(new Uint8Array(buf), function (b) {
            return b.toString(16).padStart(2, '0');
          }).join('');
        }, function () { return cyrb53(text, 1) + cyrb53(text, 2); });
      }
      return Promise.resolve(cyrb53(text, 1) + cyrb53(text, 2));
    }

    // The fingerprint covers the metadata too: metadata is fixed when an upload is created,
    // so the same file sent to another collection must not resume the old upload.
    function fingerprintFor(meta) {
      return function (file) {
        return digest(['gavah-v1', endpoint, file.name, file.type, file.size, file.lastModified,
          meta.collection, meta.source || '', meta.note || ''].join('\u0000'))
          .then(function (h) { return 'gavah-' + h; });
      };
    }

    function fieldValue(name) {
      const el = form.elements.namedItem(name);
      return el && typeof el.value === 'string' ? el.value.trim() : '';
    }

    // ----- one row per file

    function makeRow(file) {
      const li = document.createElement('li');
      li.className = 'upload';
      const name = document.createElement('span');
      name.className = 'name';
      name.appendChild(shownName(file.name)); // hostile input: text nodes only, never markup
      const progress = document.createElement('progress');
      progress.max = 100;
      progress.value = 0;
      progress.setAttribute('aria-label', file.name);
      const percent = document.createElement('span');
      percent.className = 'percent';
      percent.setAttribute('aria-hidden', 'true');
      const status = document.createElement('span');
      status.className = 'status';
      const controls = document.createElement('span');
      controls.className = 'controls';
      li.append(name, progress, percent, status, controls);
      list.appendChild(li);
      const row = { li: li, progress: progress, percent: percent, status: status, controls: controls,
        button: null, upload: null, statusKind: '', retryable: false };
      setPercent(row, 0);
      return row;
    }

    function setState(row, state) {
      const li = row.li;
      li.dataset.state = state;
      li.classList.toggle('done', state === 'done');
      li.classList.toggle('failed', state === 'failed');
      li.classList.toggle('paused', state === 'paused');
      if (row.button) {
        const showButton = state === 'uploading' || state === 'paused' ||
          (state === 'failed' && row.retryable);
        row.button.hidden = !showButton;
        row.button.textContent = state === 'uploading' ? msg.pause : msg.resume;
      }
    }

    function setStatus(row, text, kind) {
      row.status.textContent = text;
      row.statusKind = kind || '';
    }

    function setPercent(row, pct) {
      pct = Math.max(0, Math.min(100, Math.floor(pct)));
      row.progress.value = pct;
      row.percent.textContent = fmtPercent(pct);
      row.li.dataset.percent = String(pct);
    }

    function addButton(row) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'button small';
      button.addEventListener('click', function () {
        const state = row.li.dataset.state;
        if (state === 'uploading') {
          row.upload.abort();
          setState(row, 'paused');
          setStatus(row, msg.paused, 'paused');
        } else if (state === 'paused' || state === 'failed') {
          restart(row);
        }
      });
      row.controls.appendChild(button);
      row.button = button;
    }

    function restart(row) {
      setState(row, 'uploading');
      setStatus(row, '', '');
      row.upload.start();
    }

    // ----- server answers

    function responseStatus(err) {
      const res = err && err.originalResponse;
      try { return res ? res.getStatus() : 0; } catch (e) { return 0; }
    }

    function serverMessage(err) {
      const res = err && err.originalResponse;
      if (!res) return { message: '', hint: '' };
      let body = null;
      try { body = JSON.parse(res.getBody() || ''); } catch (e) { body = null; }
      if (!body || typeof body !== 'object') return { message: '', hint: '' };
      return {
        message: typeof body.message === 'string' ? body.message : '',
        hint: typeof body.hint === 'string' ? body.hint : '',
      };
    }

    function isRetryableStatus(status) {
      return status === 0 || status >= 500 || status === 409 || status === 423 || status === 429;
    }

    function fail(row, message, hint) {
      setState(row, 'failed');
      setStatus(row, message ? msg.failed + ': ' + message : msg.failed, 'failed');
      if (hint) {
        const small = document.createElement('span');
        small.className = 'hint';
        small.textContent = ' ' + hint;
        row.status.appendChild(small);
      }
    }

    function finish(row, result) {
      const id = String(result.evidence_id);
      row.retryable = false;
      setState(row, 'done');
      setPercent(row, 100);
      row.li.dataset.evidenceId = id;
      if (result.sha256) row.li.dataset.sha256 = String(result.sha256);
      setStatus(row, (result.new === false ? msg.duplicate : msg.done) + ' ', 'done');
      const link = document.createElement('a');
      link.href = itemBase + encodeURIComponent(id);
      link.textContent = id;
      row.status.appendChild(link);
      if (result.sha256) {
        const hash = document.createElement('code');
        hash.className = 'hash';
        hash.textContent = String(result.sha256);
        row.status.appendChild(document.createTextNode(' '));
        row.status.appendChild(hash);
      }
      if (row.button) row.button.remove();
      row.button = null;
    }

    // A sealed bundle's piece: where its bundle stands in this collection (docs/bundles.md).
    function fill(text, values) {
      return text.replace(/\{(\w+)\}/g, function (whole, key) {
        return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : whole;
      });
    }

    let numberFormat = null;
    try { numberFormat = new Intl.NumberFormat(lang); } catch (err) { numberFormat = null; }
    function num(n) { return numberFormat ? numberFormat.format(Number(n)) : String(n); }

    function bundleText(b) {
      if (b.state === 'opened') {
        return b.already ? msg.bundleAlready : fill(msg.bundleOpened, { count: num(b.items.length) });
      }
      if (b.state === 'held') {
        return fill(msg.bundleHeld, { piece: num(b.piece), received: num(b.received), pieces: num(b.pieces) });
      }
      if (b.state === 'refused') {
        return b.piece ? fill(msg.bundleRefused, { piece: num(b.piece) }) : msg.bundleRefusedUnknown;
      }
      return msg.bundleNotOpened;
    }

    function addHint(row, text) {
      const small = document.createElement('span');
      small.className = 'hint';
      small.textContent = ' ' + text; // the server's words: text nodes only
      row.status.appendChild(small);
    }

    function finishBundle(row, b) {
      const refused = b.state === 'refused';
      row.retryable = false;
      setState(row, refused ? 'failed' : 'done');
      if (!refused) setPercent(row, 100);
      row.li.dataset.bundleState = String(b.state);
      setStatus(row, bundleText(b), refused ? 'failed' : 'done');
      if (b.state === 'held' && b.missing && b.missing.length) {
        addHint(row, msg.bundleMissing + ' ' + b.missing.map(num).join(lang === 'fa' ? '، ' : ', '));
      }
      if (b.reason) addHint(row, b.reason + (b.hint ? ' (' + b.hint + ')' : ''));
      if (b.state === 'not_opened' && ds.bundleOpen && b.bundle_id) {
        // A bundle sealed with a passphrase is opened on its own page (the passphrase goes in
        // that page's form, never in a link): the link carries only the collection and the id.
        const open = document.createElement('a');
        open.href = ds.bundleOpen + '?' + new URLSearchParams({
          collection: String(row.collection || ''), bundle: String(b.bundle_id) }).toString();
        open.textContent = msg.bundlePassphrase;
        row.status.appendChild(document.createTextNode(' '));
        row.status.appendChild(open);
      }
      (b.items || []).forEach(function (item) {
        const link = document.createElement('a');
        link.href = itemBase + encodeURIComponent(String(item.id));
        link.textContent = String(item.id);
        row.status.appendChild(document.createTextNode(' '));
        row.status.appendChild(link);
      });
      if (row.button) row.button.remove();
      row.button = null;
    }

    // After the last byte, ask the app which evidence item the upload became.
    function fetchResult(row, uploadId, attempt) {
      const headers = { Accept: 'application/json' };
      const token = csrfToken();
      if (token) headers['X-CSRF-Token'] = token;
      function again() {
        if (attempt >= 12) {
          row.retryable = false;
          fail(row, '', '');
          return;
        }
        window.setTimeout(function () { fetchResult(row, uploadId, attempt + 1); },
          Math.min(1000 * (attempt + 1), 5000));
      }
      fetch(resultBase + encodeURIComponent(uploadId), { credentials: 'same-origin', headers: headers })
        .then(function (res) {
          return res.json().catch(function () { return {}; }).then(function (body) {
            if (res.ok && body && body.bundle) {
              finishBundle(row, body.bundle);
            } else if (res.ok && body && body.evidence_id) {
              finish(row, body);
            } else if (res.status === 202 || res.status >= 500 || res.ok) {
              again(); // still being stored, or a passing fault
            } else {
              row.retryable = false;
              fail(row, body && typeof body.message === 'string' ? body.message : '',
                body && typeof body.hint === 'string' ? body.hint : '');
            }
          });
        }, again);
    }

    function uploadIdOf(url) {
      try {
        const parts = new URL(url, window.location.href).pathname.split('/').filter(Boolean);
        return parts.length ? decodeURIComponent(parts[parts.length - 1]) : '';
      } catch (e) {
        return '';
      }
    }

    // ----- one upload

    function startOne(file, meta) {
      const row = makeRow(file);
      row.collection = meta.collection;
      if (maxSize && file.size > maxSize) {
        setState(row, 'failed');
        setStatus(row, msg.tooBig, 'too-big');
        return;
      }
      if (!tusReady) {
        setState(row, 'failed');
        setStatus(row, msg.failed, 'failed');
        return;
      }
      const metadata = {
        filename: file.name,
        filetype: file.type || 'application/octet-stream',
        collection: meta.collection,
      };
      // Empty values are left out rather than sent as "key " pairs.
      if (meta.source) metadata.source = meta.source;
      if (meta.note) metadata.note = meta.note;
      const headers = {};
      const token = csrfToken();
      if (token) headers['X-CSRF-Token'] = token;

      const options = {
        endpoint: endpoint,
        chunkSize: chunkSize,
        retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
        metadata: metadata,
        headers: headers,
        storeFingerprintForResuming: true,
        removeFingerprintOnSuccess: true,
        fingerprint: fingerprintFor(meta),
        onProgress: function (sent, total) {
          if (row.li.dataset.state !== 'uploading') return;
          setPercent(row, total ? (sent / total) * 100 : 0);
          if (row.statusKind === 'retrying') setStatus(row, '', '');
        },
        onAfterResponse: function (req, res) {
          // The HEAD that resumes an upload tells how much the server already has.
          if (req.getMethod() !== 'HEAD') return;
          const status = res.getStatus();
          if (status < 200 || status >= 300) return;
          const offset = parseInt(res.getHeader('Upload-Offset'), 10);
          const length = parseInt(res.getHeader('Upload-Length'), 10);
          if (!isNaN(offset) && length > 0) {
            const pct = Math.floor((offset / length) * 100);
            setPercent(row, pct);
            setStatus(row, msg.resumed + ' ' + fmtPercent(pct), 'resumed');
          }
        },
        onShouldRetry: function (err) {
          const retry = isRetryableStatus(responseStatus(err));
          if (retry && row.li.dataset.state === 'uploading') {
            setStatus(row, msg.retrying, 'retrying');
          }
          return retry;
        },
        onError: function (err) {
          if (row.li.dataset.state === 'paused') return;
          const status = responseStatus(err);
          row.retryable = isRetryableStatus(status);
          const info = serverMessage(err);
          fail(row, info.message, info.hint);
        },
        onSuccess: function () {
          setPercent(row, 100);
          setStatus(row, '', '');
          fetchResult(row, uploadIdOf(upload.url), 0);
        },
      };
      if (urlStorage) options.urlStorage = urlStorage;

      const upload = new window.tus.Upload(file, options);
      row.upload = upload;
      uploads.push(upload);
      rows.push(row);
      addButton(row);
      setState(row, 'uploading');

      upload.findPreviousUploads().then(function (previous) {
        if (previous && previous.length) {
          previous.sort(function (a, b) {
            return (Date.parse(b.creationTime) || 0) - (Date.parse(a.creationTime) || 0);
          });
          upload.resumeFromPreviousUpload(previous[0]);
          setStatus(row, msg.resumed, 'resumed'); // the percent follows once the server answers
        }
      }).catch(function () { /* no storage: start afresh */ }).then(function () {
        if (row.li.dataset.state === 'uploading') upload.start();
      });
    }

    function startAll(files) {
      const meta = {
        collection: fieldValue('collection'),
        source: fieldValue('source'),
        note: fieldValue('note'),
      };
      files.forEach(function (file) { startOne(file, meta); });
    }

    // Every field but the file input must be valid (dropped files may not reach the input).
    function fieldsValid() {
      const elements = Array.prototype.slice.call(form.elements);
      for (let i = 0; i < elements.length; i++) {
        const el = elements[i];
        if (el === fileInput || !el.willValidate) continue;
        if (!el.checkValidity()) {
          el.reportValidity();
          return false;
        }
      }
      return true;
    }

    form.addEventListener('submit', function (e) {
      e.preventDefault();
      if (!fieldsValid()) return;
      const files = fileInput && fileInput.files ? Array.prototype.slice.call(fileInput.files) : [];
      if (!files.length) {
        if (fileInput) {
          fileInput.reportValidity();
          fileInput.focus();
        }
        return;
      }
      startAll(files);
      fileInput.value = '';
    });

    function hasFiles(e) {
      return e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types || [], 'Files') !== -1;
    }

    if (dropzone) {
      let depth = 0;
      dropzone.addEventListener('dragenter', function (e) {
        if (!hasFiles(e)) return;
        e.preventDefault();
        depth += 1;
        dropzone.classList.add('dragover');
      });
      dropzone.addEventListener('dragover', function (e) {
        if (!hasFiles(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
      });
      dropzone.addEventListener('dragleave', function () {
        depth = Math.max(0, depth - 1);
        if (depth === 0) dropzone.classList.remove('dragover');
      });
      dropzone.addEventListener('drop', function (e) {
        e.preventDefault();
        e.stopPropagation();
        depth = 0;
        dropzone.classList.remove('dragover');
        const files = e.dataTransfer ? Array.prototype.slice.call(e.dataTransfer.files || []) : [];
        if (!files.length) return;
        if (!fieldsValid()) {
          // Keep the files in the input so that pressing the button later sends them.
          try { if (fileInput) fileInput.files = e.dataTransfer.files; } catch (err) { /* old browser */ }
          return;
        }
        startAll(files);
        if (fileInput) fileInput.value = '';
      });
      dropzone.addEventListener('click', function (e) {
        if (!fileInput || closestFrom(e.target, 'a, button, input, label, select, textarea')) return;
        fileInput.click();
      });
    }

    // A file dropped beside the dropzone must not make the browser leave the page.
    document.addEventListener('dragover', function (e) { if (hasFiles(e)) e.preventDefault(); });
    document.addEventListener('drop', function (e) { if (hasFiles(e)) e.preventDefault(); });

    window.addEventListener('beforeunload', function (e) {
      const busy = rows.some(function (row) { return row.li.dataset.state === 'uploading'; });
      if (busy) {
        e.preventDefault();
        e.returnValue = '';
      }
    });

    // Back on the network: carry on with uploads that stopped for want of it.
    window.addEventListener('online', function () {
      rows.forEach(function (row) {
        if (row.li.dataset.state === 'failed' && row.retryable && row.upload) restart(row);
      });
    });
  }

  // ------------------------------------------------- d. keys for the linkage review
  // On the review page, S, D and U press Same person, Different people and Unsure (buttons
  // marked data-key), unless one is typing a note. Persian keyboards send the letters of the
  // same keys (س ی ع), so the key's place (e.code) is what counts, not the letter.

  document.addEventListener('keydown', function (e) {
    const form = document.querySelector('form.linkage-decide');
    if (!form || e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
    const target = e.target;
    if (target && target.closest && target.closest('textarea, input, select, [contenteditable]')) return;
    const key = (e.code || '').replace(/^Key/, '').toLowerCase();
    const button = form.querySelector('button[data-key="' + key + '"]');
    if (!button || button.disabled) return;
    e.preventDefault();
    if (form.dataset.sent) return; // one decision per page, however often a key is pressed
    form.dataset.sent = '1';
    if (form.requestSubmit) form.requestSubmit(button); else button.click();
  });

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', initUploads);
  } else {
    initUploads();
  }
})();
