/* gavah's in-page verifier: checks a file dropped on the page against the site's custody log,
 * entirely in the browser, offline. Every step fails closed; the steps are those of
 * gavah.custody.bundle.verify_bundle and gavah.publish.monitor:
 *   1. SHA-256 of the file (WebCrypto);
 *   2. its proof (integrity/proofs/AB/SHA.js, loaded as a script: pages opened from disk may
 *      not fetch) holds a log entry naming that SHA-256;
 *   3. RFC 6962 / RFC 9162 2.1.3.2: the entry's leaf hash and inclusion path give the root of
 *      the checkpoint of the proof's tree size;
 *   4. that checkpoint is a C2SP signed note signed by the log's Ed25519 key (WebCrypto where the
 *      browser has Ed25519, else the vendored @noble/ed25519);
 *   5. RFC 9162 2.1.4.2: consistency proofs tie it to every later checkpoint, up to the newest,
 *      each signed too.
 */
(function () {
  "use strict";

  var enc = new TextEncoder();

  function fail(message) { throw new Error(message); }

  function b64(text) {
    var raw = atob(text), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function hex(bytes) {
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function concat() {
    var size = 0, i;
    for (i = 0; i < arguments.length; i++) size += arguments[i].length;
    var out = new Uint8Array(size), at = 0;
    for (i = 0; i < arguments.length; i++) { out.set(arguments[i], at); at += arguments[i].length; }
    return out;
  }

  function equal(a, b) {
    if (a.length !== b.length) return false;
    var d = 0;
    for (var i = 0; i < a.length; i++) d |= a[i] ^ b[i];
    return d === 0;
  }

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }

  function leafHash(entry) { return sha256(concat(new Uint8Array([0]), entry)); }
  function nodeHash(l, r) { return sha256(concat(new Uint8Array([1]), l, r)); }

  // RFC 9162 2.1.3.2
  async function verifyInclusion(leaf, index, size, path, root) {
    if (!(index >= 0 && index < size)) fail("leaf index outside the tree");
    var fn = index, sn = size - 1, r = leaf;
    for (var i = 0; i < path.length; i++) {
      var p = path[i];
      if (p.length !== 32) fail("inclusion path element is not a SHA-256 hash");
      if (sn === 0) fail("inclusion path is longer than the tree allows");
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(p, r);
        if (fn % 2 === 0) { while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); } }
      } else {
        r = await nodeHash(r, p);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    if (sn !== 0) fail("inclusion path is shorter than the tree requires");
    if (!equal(r, root)) fail("the inclusion proof does not lead to the checkpoint's root");
  }

  // RFC 9162 2.1.4.2
  async function verifyConsistency(oldSize, newSize, oldRoot, newRoot, path) {
    if (!(oldSize > 0 && oldSize <= newSize)) fail("no consistency proof between these sizes");
    if (oldSize === newSize) {
      if (path.length || !equal(oldRoot, newRoot)) fail("equal sizes, different roots: the log has forked");
      return;
    }
    var proof = path.slice();
    if ((oldSize & (oldSize - 1)) === 0) proof.unshift(oldRoot);
    if (!proof.length) fail("consistency path is empty");
    var fn = oldSize - 1, sn = newSize - 1;
    while (fn % 2 === 1) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    var fr = proof[0], sr = proof[0];
    for (var i = 1; i < proof.length; i++) {
      var c = proof[i];
      if (sn === 0) fail("consistency path is longer than the trees allow");
      if (fn % 2 === 1 || fn === sn) {
        fr = await nodeHash(c, fr); sr = await nodeHash(c, sr);
        if (fn % 2 === 0) { while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); } }
      } else {
        sr = await nodeHash(sr, c);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    if (sn !== 0) fail("consistency path is shorter than the trees require");
    if (!equal(fr, oldRoot)) fail("the consistency proof does not reproduce the old root: the log has forked");
    if (!equal(sr, newRoot)) fail("the consistency proof does not reproduce the new root");
  }

  // C2SP signed-note verifier key: NAME+KEYID+BASE64(0x01 || key)
  async function parseKey(text) {
    var parts = text.trim().split("+");
    if (parts.length < 3) fail("the log's key is malformed");
    var name = parts[0], id = parts[1], raw = b64(parts.slice(2).join("+"));
    if (raw.length !== 33 || raw[0] !== 1) fail("the log's key is not an Ed25519 key");
    var pub = raw.slice(1);
    var keyId = (await sha256(concat(enc.encode(name + "\n"), new Uint8Array([1]), pub))).slice(0, 4);
    if (hex(keyId) !== id.toLowerCase()) fail("the log's key id does not match the key");
    return { name: name, id: keyId, pub: pub };
  }

  var signedWith = "";

  async function ed25519(pub, signature, message) {
    var key;
    try {
      key = await crypto.subtle.importKey("raw", pub, { name: "Ed25519" }, false, ["verify"]);
    } catch (e) {
      key = null;  // no Ed25519 in this browser's WebCrypto: the vendored library checks it
    }
    if (key) {
      signedWith = "WebCrypto Ed25519";
      return crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
    }
    if (!window.nobleEd25519) fail("this browser cannot check Ed25519 signatures");
    signedWith = "noble-ed25519";
    return window.nobleEd25519.verifyAsync(signature, message, pub);
  }

  // C2SP signed-note and tlog-checkpoint: returns {origin, size, root}
  async function openCheckpoint(note, key, origin) {
    var cut = note.lastIndexOf("\n\n");
    if (cut < 0) fail("the checkpoint has no signatures");
    var text = note.slice(0, cut + 1), sigs = note.slice(cut + 2).split("\n");
    var found = false;
    for (var i = 0; i < sigs.length; i++) {
      var line = sigs[i];
      if (!line) continue;
      if (line.indexOf("\u2014 ") !== 0) fail("malformed signature line");
      var rest = line.slice(2), sp = rest.indexOf(" ");
      var name = rest.slice(0, sp), sig = b64(rest.slice(sp + 1));
      if (name !== key.name || !equal(sig.slice(0, 4), key.id)) continue;
      if (!(await ed25519(key.pub, sig.slice(4), enc.encode(text)))) fail("the checkpoint's signature does not verify");
      found = true;
    }
    if (!found) fail("the checkpoint is not signed by the log's key");
    var lines = text.split("\n");
    if (lines.length < 4 || lines[0] !== origin) fail("the checkpoint is for another log");
    if (!/^(0|[1-9][0-9]*)$/.test(lines[1])) fail("the checkpoint's size is malformed");
    var root = b64(lines[2]);
    if (root.length !== 32) fail("the checkpoint's root is not a SHA-256 hash");
    return { size: Number(lines[1]), root: root };
  }

  function load(src, global) {
    return new Promise(function (resolve, reject) {
      var done = false;
      window[global] = function (value) { done = true; resolve(value); };
      var s = document.createElement("script");
      s.src = src;
      s.onload = function () { if (!done) reject(new Error("no data in " + src)); s.remove(); };
      s.onerror = function () { s.remove(); reject(new Error("missing")); };
      document.head.appendChild(s);
    });
  }

  async function check(bytes, say) {
    var root = document.body.getAttribute("data-root");
    var digest = hex(await sha256(bytes));
    say("SHA-256 " + digest);
    var proof;
    try {
      proof = await load(root + "integrity/proofs/" + digest.slice(0, 2) + "/" + digest + ".js", "gavahProof");
    } catch (e) {
      fail("no file with this SHA-256 was published on this site");
    }
    var entry = b64(proof.entry), event = JSON.parse(new TextDecoder().decode(entry));
    if (event.kind !== "publish.file-published" || !event.file || event.file.sha256 !== digest) {
      fail("the log entry does not name this file's SHA-256");
    }
    say("log entry " + proof.index + ": " + event.file.path + ", " + event.at);
    var history = await load(root + "integrity/checkpoints.js", "gavahCheckpoints");
    var key = await parseKey(history.key);
    var heads = {};
    for (var i = 0; i < history.checkpoints.length; i++) {
      var c = history.checkpoints[i];
      var opened = await openCheckpoint(c.note, key, history.origin);
      if (opened.size !== c.size) fail("a checkpoint's size is not what the site says");
      heads[c.size] = opened;
    }
    var head = heads[proof.size];
    if (!head) fail("the proof's checkpoint is not in the site's history");
    await verifyInclusion(await leafHash(entry), proof.index, proof.size, proof.inclusion.map(b64), head.root);
    say("inclusion proof to the checkpoint of size " + proof.size + ", signed (checked with " + signedWith + ")");
    var size = proof.size;
    for (var j = 0; j < history.consistency.length; j++) {
      var step = history.consistency[j];
      if (step.from !== size) continue;
      await verifyConsistency(step.from, step.to, heads[step.from].root, heads[step.to].root, step.path.map(b64));
      size = step.to;
    }
    var newest = history.checkpoints[history.checkpoints.length - 1].size;
    if (size !== newest) fail("no consistency proof ties the file's checkpoint to the newest");
    say("consistent with the newest checkpoint, size " + newest);
    say("the log's key (compare it with the one the publisher gives elsewhere): " + history.key);
  }

  function start() {
    var input = document.getElementById("file"), drop = document.getElementById("drop");
    var verdict = document.getElementById("verdict"), steps = document.getElementById("steps");
    if (!input) return;
    function say(text) {
      var li = document.createElement("li");
      li.textContent = text;
      li.dir = "ltr";
      steps.appendChild(li);
    }
    async function run(file) {
      steps.textContent = "";
      verdict.className = "";
      verdict.textContent = verdict.getAttribute("data-working");
      try {
        await check(new Uint8Array(await file.arrayBuffer()), say);
        verdict.textContent = verdict.getAttribute("data-verified");
        verdict.className = "ok";
        verdict.setAttribute("data-result", "verified");
      } catch (e) {
        say(e.message);
        verdict.textContent = verdict.getAttribute("data-not-verified");
        verdict.className = "bad";
        verdict.setAttribute("data-result", "not verified");
      }
    }
    input.addEventListener("change", function () { if (input.files.length) run(input.files[0]); });
    drop.addEventListener("dragover", function (e) { e.preventDefault(); });
    drop.addEventListener("drop", function (e) {
      e.preventDefault();
      if (e.dataTransfer.files.length) run(e.dataTransfer.files[0]);
    });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
